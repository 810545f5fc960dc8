#!/usr/bin/env bash
# Throughput and latency of the kernel (`hello`) and of `conduit`, measured with wrk on loopback.
#
#   Scripts/bench.sh                      # release build, then every route below
#   DURATION=10 CONNS=64 THREADS=2 DEPTH=16 Scripts/bench.sh
#
# Routes: hello /plaintext and /json (keep-alive), hello /plaintext pipelined DEPTH deep,
# conduit /healthz, and a Conduit read mix (article list, single article, tags, profile) on a
# seeded SQLite database (conduit logs at warning so the access log does not dominate).
# Prints requests/s, p50 and p99 per route. Absolute numbers depend on the machine; compare
# ratios against ../shared/bench/run-peers.sh measured in the same session.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
CONNS="${CONNS:-64}"
THREADS="${THREADS:-2}"
export DEPTH="${DEPTH:-16}"  # read by Scripts/wrk/pipeline.lua
WARMUP="${WARMUP:-2}"

Scripts/install-deps.sh wrk
swift build -c release --product hello >/dev/null
swift build -c release --product conduit >/dev/null
BIN="$(swift build -c release --show-bin-path)"
WORK="$(mktemp -d /tmp/conduit-bench.XXXXXX)"

. Scripts/lib/bench-common.sh
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

HELLO_PORT=$(free_port)
env HOST=127.0.0.1 PORT="$HELLO_PORT" "$BIN/hello" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
CONDUIT_PORT=$(free_port)
(cd "$WORK" && env HOST=127.0.0.1 PORT="$CONDUIT_PORT" LOG_LEVEL=warning PASSWORD_HASH_COST=10 "$BIN/conduit" serve >"$WORK/conduit.log" 2>&1) &
PIDS+=($!)
wait_up "http://127.0.0.1:$HELLO_PORT/plaintext"
wait_up "http://127.0.0.1:$CONDUIT_PORT/healthz"

print_header
bench_row "hello /plaintext" "http://127.0.0.1:$HELLO_PORT/plaintext"
bench_row "hello /json" "http://127.0.0.1:$HELLO_PORT/json"
bench_row "hello /plaintext p$DEPTH" "http://127.0.0.1:$HELLO_PORT/plaintext" -s Scripts/wrk/pipeline.lua
bench_row "conduit /healthz" "http://127.0.0.1:$CONDUIT_PORT/healthz"

# Seed, then read like a frontend's home and article pages.
seed_read_mix "http://127.0.0.1:$CONDUIT_PORT/api"
bench_row "conduit read mix" "http://127.0.0.1:$CONDUIT_PORT/api/articles" -s Scripts/wrk/read-mix.lua
echo "(read mix: $PATHS)"
echo "(pipelined latency percentiles are per batch of $DEPTH, not per request)"
