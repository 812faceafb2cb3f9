# alu's OpenAI-compatible gateway (`alu serve`) with the embedded model, on the CPU:
#   docker build -t alu .
#   docker run -p 8080:8080 -v alu-data:/data -e ALU_ADMIN_KEY=change-me alu
# A larger model by URL: -e ALU_BASE_URL=http://host:8000/v1 (and ALU_API_KEY). The registry on PostgreSQL:
# -e ALU_DB=postgresql://... (compose.yaml runs both). docs/container.md says more.
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}

# llama.cpp is compiled here, for the instruction sets of any recent x86-64 machine rather than the builder's own
ARG CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
# torch converts the embedder once, below; its CPU build is a fraction of the size of PyPI's default one
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc g++ cmake make libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY alu ./alu
RUN python -m venv /opt/alu \
    && /opt/alu/bin/pip install --no-cache-dir --index-url "$TORCH_INDEX" torch==2.13.0 \
    && CMAKE_ARGS="$CMAKE_ARGS" /opt/alu/bin/pip install --no-cache-dir . \
    && apt-get purge -y gcc g++ cmake make && apt-get autoremove -y \
    && rm -rf /src

# The assembled model, the int8 embedder and its static token vectors are made once, here, not on the first request.
ENV ALU_CACHE_DIR=/var/cache/alu ALU_DB=/data/alu.db PATH=/opt/alu/bin:$PATH
RUN python -c "from alu.models.catalog import resolve_gguf; resolve_gguf('qwen2.5-coder-0.5b')" \
    && python -c "from alu.embedding import get_embedder; get_embedder().encode_static(['ready'])" \
    && useradd --system --home-dir /data alu && mkdir -p /data && chown -R alu /data /var/cache/alu

USER alu
WORKDIR /data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/ready')"
ENTRYPOINT ["alu"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
