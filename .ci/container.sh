#!/usr/bin/env bash
# Build alu's image and smoke-test it (docs/container.md); not part of .ci/run, which needs no container engine.
#   .ci/container.sh [arguments for the image's build, e.g. --build-arg BASE=...]
# The smoke test (.ci/container/smoke.py) starts the gateway from the image's own files and settings. An engine that
# can start a container runs it in one; where the sandbox refuses that (on this project's machines every OCI
# runtime's setrlimit fails), it runs as a build step on top of the image. With $ALU_TEST_PG_URL set
# (.ci/postgres.sh), the registry is on that PostgreSQL, as compose.yaml wires it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ALU_CONTAINER_ENGINE:-}" ]; then
    ALU_CONTAINER_ENGINE=podman
    docker info >/dev/null 2>&1 && ALU_CONTAINER_ENGINE=docker
fi
engine="$ALU_CONTAINER_ENGINE"
isolation=()
[ "$engine" = podman ] && isolation=(--isolation chroot)  # builds without an OCI runtime
format=()
[ "$engine" = podman ] && format=(--format docker)  # keeps the HEALTHCHECK, which the OCI format drops
"$engine" build "${isolation[@]}" "${format[@]}" --network host -t alu:smoke "$@" .
db="${ALU_TEST_PG_URL:-}"
if "$engine" run --rm --network host alu:smoke --version >/dev/null 2>&1; then
    "$engine" run --rm --network host -v "$PWD/.ci/container/smoke.py:/tmp/smoke.py:ro" --entrypoint python \
        alu:smoke /tmp/smoke.py ${db:+"$db"}
else
    echo "$engine cannot start a container here: the smoke test runs as a build step on the image" >&2
    "$engine" build "${isolation[@]}" "${format[@]}" --network host --no-cache --build-arg IMAGE=alu:smoke \
        ${db:+--build-arg DB="$db"} -f .ci/container/Containerfile .ci/container
fi
