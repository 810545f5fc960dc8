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
DEPTH="${DEPTH:-16}"
WARMUP="${WARMUP:-2}"

Scripts/install-deps.sh wrk
swift build -c release --product hello >/dev/null
swift build -c release --product conduit >/dev/null
BIN="$(swift build -c release --show-bin-path)"
WORK="$(mktemp -d /tmp/conduit-bench.XXXXXX)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

wait_up() {
  for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2; exit 1
}

HELLO_PORT=$(free_port)
env HOST=127.0.0.1 PORT="$HELLO_PORT" "$BIN/hello" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
CONDUIT_PORT=$(free_port)
(cd "$WORK" && env HOST=127.0.0.1 PORT="$CONDUIT_PORT" LOG_LEVEL=warning PASSWORD_HASH_COST=10 "$BIN/conduit" serve >"$WORK/conduit.log" 2>&1) &
PIDS+=($!)
wait_up "http://127.0.0.1:$HELLO_PORT/plaintext"
wait_up "http://127.0.0.1:$CONDUIT_PORT/healthz"

# wrk's --latency table gives "50%" and "99%" rows; convert them to microseconds.
to_us() { awk '{ v=$1; u=v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
  f = (u=="us") ? 1 : (u=="ms") ? 1000 : (u=="s") ? 1000000 : 1; printf "%d", v*f }'; }

printf "%-22s %12s %10s %10s %8s\n" "route" "req/s" "p50 us" "p99 us" "errors"
run() {
  local name="$1" url="$2"; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
  local out; out=$(DEPTH="$DEPTH" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url")
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_us)
  p99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_us)
  # Non-2xx responses plus every socket error wrk counted.
  errors=$(echo "$out" | awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(/,/, ""); n+=$4+$6+$8+$10} END {print n+0}')
  printf "%-22s %12s %10s %10s %8s\n" "$name" "$rps" "$p50" "$p99" "$errors"
}
run "hello /plaintext" "http://127.0.0.1:$HELLO_PORT/plaintext"
run "hello /json" "http://127.0.0.1:$HELLO_PORT/json"
run "hello /plaintext p$DEPTH" "http://127.0.0.1:$HELLO_PORT/plaintext" -s Scripts/wrk/pipeline.lua
run "conduit /healthz" "http://127.0.0.1:$CONDUIT_PORT/healthz"

# Seed: 5 authors with 10 articles each (3 tags), then read like a frontend's home and article pages.
API="http://127.0.0.1:$CONDUIT_PORT/api"
for u in 1 2 3 4 5; do
  token=$(curl -fs -X POST "$API/users" -H 'Content-Type: application/json' \
    -d "{\"user\":{\"username\":\"author$u\",\"email\":\"author$u@bench.test\",\"password\":\"password123\"}}" \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["user"]["token"])')
  for a in $(seq 10); do
    curl -fs -o /dev/null -X POST "$API/articles" -H 'Content-Type: application/json' -H "Authorization: Token $token" \
      -d "{\"article\":{\"title\":\"Article $u-$a\",\"description\":\"About $a\",\"body\":\"$(printf 'lorem ipsum %.0s' $(seq 40))\",\"tagList\":[\"tag$a\",\"common\",\"author$u\"]}}"
  done
done
SLUG=$(curl -fs "$API/articles?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["articles"][0]["slug"])')
export PATHS="/api/articles,/api/articles/$SLUG,/api/tags,/api/profiles/author1,/api/articles?tag=common&limit=10"
run "conduit read mix" "http://127.0.0.1:$CONDUIT_PORT/api/articles" -s Scripts/wrk/read-mix.lua
echo "(read mix: $PATHS)"
echo "(pipelined latency percentiles are per batch of $DEPTH, not per request)"
