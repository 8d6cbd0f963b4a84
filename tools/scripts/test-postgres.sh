#!/usr/bin/env bash
# Starts a private PostgreSQL server on 127.0.0.1 in a temporary folder for the integration tests.
#   tools/scripts/test-postgres.sh start   → prints DATABASE_URL=... and PGTEST_DIR=... on stdout
#   tools/scripts/test-postgres.sh stop DIR
# Needs Debian's postgresql package (.ci/run installs it). As root, the server runs as the postgres user.
set -euo pipefail
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ]; then echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 3; fi
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/cascade-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=${PGTEST_PORT:-$((20000 + RANDOM % 20000))}
    as_owner "$pgbin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1
    # Tests trade durability for speed; PGTEST_DURABLE=1 keeps PostgreSQL's defaults (for benchmarks).
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${PGTEST_DURABLE:-0}" = 1 ] && fast=""
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $dir $fast" start >/dev/null
    echo "DATABASE_URL=postgresql://postgres@127.0.0.1:$port/postgres"
    echo "PGTEST_DIR=$dir"
    ;;
  stop)
    dir="${2:?usage: test-postgres.sh stop DIR}"
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: test-postgres.sh start | stop DIR" >&2; exit 2 ;;
esac
