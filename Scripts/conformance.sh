#!/usr/bin/env bash
# Runs the official RealWorld suite (../shared/conformance, not part of this repository)
# against a fresh conduit on a free loopback port, twice in a row on the same database.
# Skips with a message when the suite is not there. Needs a built conduit (debug by default;
# CONDUIT_BIN overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE="${CONFORMANCE_DIR:-../shared/conformance}"
if [ ! -f "$SUITE/run.py" ]; then
  echo "conformance: $SUITE/run.py not found, skipping the official suite (project tests still ran)"
  exit 0
fi
BIN="${CONDUIT_BIN:-$(swift build --show-bin-path)/conduit}"
WORK="$(mktemp -d /tmp/conduit-conformance.XXXXXX)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The suite registers and logs in about 25 times from one address; production rate limits
# for auth endpoints would refuse that, so the run raises them (when they exist) here only.
(cd "$WORK" && exec env HOST=127.0.0.1 PORT="$PORT" LOG_LEVEL=warning RATE_LIMIT_AUTH_PER_MINUTE=1000 "$BIN" serve >"$WORK/server.log" 2>&1) &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 0.1; done
for run in 1 2; do
  echo "conformance run $run:"
  out=$(HOST="http://127.0.0.1:$PORT" python3 "$SUITE/run.py" 2>&1) || { echo "$out" | grep -E "FAIL|passed" | tail -40; exit 1; }
  echo "$out" | tail -1
done
