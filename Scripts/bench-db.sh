#!/usr/bin/env bash
# The Conduit read mix of Scripts/bench.sh (article list, single article, tags, profile, tag
# filter) on SQLite and on PostgreSQL in the same run, one server at a time, same seed.
#
#   Scripts/bench-db.sh                           # release build, throwaway PostgreSQL (Scripts/postgres.sh)
#   POSTGRES_URL=postgres://u:p@host/db Scripts/bench-db.sh   # an existing server (a fresh database is created in it)
#   DURATION=10 CONNS=64 THREADS=2 POOL=10 SCRATCH_PATH=.build-release Scripts/bench-db.sh
#
# Prints requests/s, p50 and p99 per engine. Both servers log at warning and use the same
# number of event loops; PostgreSQL runs on the same machine (fsync off when throwaway).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
CONNS="${CONNS:-64}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-2}"
POOL="${POOL:-10}"

Scripts/install-deps.sh wrk
# SCRATCH_PATH: another build folder (e.g. to build release while a debug build uses .build).
BUILD=(swift build -c release ${SCRATCH_PATH:+--scratch-path "$SCRATCH_PATH"})
"${BUILD[@]}" --product conduit >/dev/null
BIN="$("${BUILD[@]}" --show-bin-path)"
WORK="$(mktemp -d /tmp/conduit-bench-db.XXXXXX)"
PIDS=()
PG_DIR=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$PG_DIR" ] || Scripts/postgres.sh stop "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "${POSTGRES_URL:-}" ]; then
  eval "$(Scripts/postgres.sh start)"
  PG_DIR="$CONDUIT_TEST_POSTGRES_DIR"
  POSTGRES_URL="$CONDUIT_TEST_POSTGRES_URL"
fi
name="bench_$(date +%s)_$$"
psql -X -q -v ON_ERROR_STOP=1 -d "$POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
PG_DB_URL=$(python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$POSTGRES_URL" "$name")

. Scripts/lib/bench-common.sh

bench_engine() {
  local engine="$1" url="$2" port pid
  port=$(free_port)
  (cd "$WORK" && exec env HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warning PASSWORD_HASH_COST=10 DATABASE_URL="$url" \
    DATABASE_POOL_SIZE="$POOL" "$BIN/conduit" serve >"$WORK/$engine.log" 2>&1) &
  pid=$!
  PIDS+=($pid)
  wait_up "http://127.0.0.1:$port/readyz"
  seed_read_mix "http://127.0.0.1:$port/api"
  bench_row "read mix $engine" "http://127.0.0.1:$port/api/articles" -s Scripts/wrk/read-mix.lua
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

print_header
bench_engine sqlite "sqlite:$WORK/bench.sqlite"
bench_engine postgres "$PG_DB_URL"
echo "(read mix: article list, single article, tags, profile, tag filter; PostgreSQL pool $POOL, same machine)"
