#!/usr/bin/env bash
# Runs the official RealWorld suite (../shared/conformance, not part of this repository)
# against a fresh conduit on a free loopback port, twice in a row on the same database.
# Skips with a message when the suite is not there. Needs a built conduit (debug by default;
# CONDUIT_BIN overrides). With CONFORMANCE_POSTGRES_URL (a PostgreSQL server URL, such as the
# one Scripts/postgres.sh prints) the server runs on a fresh database there instead of SQLite.
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
DATABASE=()
if [ -n "${CONFORMANCE_POSTGRES_URL:-}" ]; then
  name="conformance_$(date +%s)_$$"
  psql -X -q -v ON_ERROR_STOP=1 -d "$CONFORMANCE_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
  DATABASE=("DATABASE_URL=$(python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$CONFORMANCE_POSTGRES_URL" "$name")")
fi
# The suite registers and logs in about 25 times from one address; production rate limits
# for auth endpoints would refuse that, so the run raises them (when they exist) here only.
(cd "$WORK" && exec env HOST=127.0.0.1 PORT="$PORT" LOG_LEVEL=warning RATE_LIMIT_AUTH_PER_MINUTE=1000 ${DATABASE[@]+"${DATABASE[@]}"} "$BIN" serve >"$WORK/server.log" 2>&1) &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 0.1; done
for run in 1 2; do
  echo "conformance run $run:"
  out=$(HOST="http://127.0.0.1:$PORT" python3 "$SUITE/run.py" 2>&1) || {
    echo "$out" | grep -E "FAIL|passed" | head -20
    echo "$out" | grep -E "passed" | tail -1
    # What the server said (its warnings, errors and any crash report), and whether it still runs.
    if kill -0 $PID 2>/dev/null; then echo "conformance: the server is still running"
    else status=0; wait $PID || status=$?; echo "conformance: the server is gone, exit status $status"; fi
    tail -40 "$WORK/server.log"
    exit 1
  }
  echo "$out" | tail -1
done
