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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
to_us() { awk '{ v=$1; u=v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
  f = (u=="us") ? 1 : (u=="ms") ? 1000 : (u=="s") ? 1000000 : 1; printf "%d", v*f }'; }

bench_engine() {
  local engine="$1" url="$2" port pid
  port=$(free_port)
  (cd "$WORK" && exec env HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warning PASSWORD_HASH_COST=10 DATABASE_URL="$url" \
    DATABASE_POOL_SIZE="$POOL" "$BIN/conduit" serve >"$WORK/$engine.log" 2>&1) &
  pid=$!
  PIDS+=($pid)
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.1; done
  local api="http://127.0.0.1:$port/api"
  for u in 1 2 3 4 5; do
    token=$(curl -fs -X POST "$api/users" -H 'Content-Type: application/json' \
      -d "{\"user\":{\"username\":\"author$u\",\"email\":\"author$u@bench.test\",\"password\":\"password123\"}}" \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["user"]["token"])')
    for a in $(seq 10); do
      curl -fs -o /dev/null -X POST "$api/articles" -H 'Content-Type: application/json' -H "Authorization: Token $token" \
        -d "{\"article\":{\"title\":\"Article $u-$a\",\"description\":\"About $a\",\"body\":\"$(printf 'lorem ipsum %.0s' $(seq 40))\",\"tagList\":[\"tag$a\",\"common\",\"author$u\"]}}"
    done
  done
  local slug
  slug=$(curl -fs "$api/articles?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["articles"][0]["slug"])')
  export PATHS="/api/articles,/api/articles/$slug,/api/tags,/api/profiles/author1,/api/articles?tag=common&limit=10"
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s Scripts/wrk/read-mix.lua "$api/articles" >/dev/null 2>&1 || true
  local out rps p50 p99 errors
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s Scripts/wrk/read-mix.lua "$api/articles")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_us)
  p99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_us)
  errors=$(echo "$out" | awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(/,/, ""); n+=$4+$6+$8+$10} END {print n+0}')
  printf "%-22s %12s %10s %10s %8s\n" "read mix $engine" "$rps" "$p50" "$p99" "$errors"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

printf "%-22s %12s %10s %10s %8s\n" "route" "req/s" "p50 us" "p99 us" "errors"
bench_engine sqlite "sqlite:$WORK/bench.sqlite"
bench_engine postgres "$PG_DB_URL"
echo "(read mix: article list, single article, tags, profile, tag filter; PostgreSQL pool $POOL, same machine)"
