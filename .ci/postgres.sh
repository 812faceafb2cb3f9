#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback for the registry tests and export ALU_TEST_PG_URL.
#   source .ci/postgres.sh   # from .ci/run: exports ALU_TEST_PG_URL; the cluster stops when that shell exits
#   .ci/postgres.sh          # by hand: prints the export line; stop it with the printed pg_ctl command
# Installs Debian's postgresql package if its binaries are missing. Port: $ALU_PG_PORT (default 54329).
set -euo pipefail

alu_pg_port="${ALU_PG_PORT:-54329}"
alu_pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$alu_pg_bin" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    alu_pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

alu_pg_dir="$(mktemp -d /tmp/alu-pg.XXXXXX)"
alu_pg_as=()
if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root: run the cluster as the postgres user
    chown postgres: "$alu_pg_dir"
    alu_pg_as=(runuser -u postgres --)
fi
"${alu_pg_as[@]}" "$alu_pg_bin/initdb" -D "$alu_pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${alu_pg_as[@]}" "$alu_pg_bin/pg_ctl" -D "$alu_pg_dir/data" -l "$alu_pg_dir/log" -w start \
    -o "-p $alu_pg_port -k $alu_pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" >/dev/null
"${alu_pg_as[@]}" "$alu_pg_bin/createdb" -h 127.0.0.1 -p "$alu_pg_port" -U postgres alu_test

export ALU_TEST_PG_URL="postgresql://postgres@127.0.0.1:$alu_pg_port/alu_test"
alu_pg_stop="${alu_pg_as[*]} $alu_pg_bin/pg_ctl -D $alu_pg_dir/data -m fast stop"
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # shellcheck disable=SC2064  # expand now: the variables are gone when the trap runs
    trap "$alu_pg_stop >/dev/null; rm -rf $alu_pg_dir" EXIT
    echo "PostgreSQL for the tests: $ALU_TEST_PG_URL" >&2
else
    echo "export ALU_TEST_PG_URL=$ALU_TEST_PG_URL"
    echo "# stop it with: $alu_pg_stop" >&2
fi
