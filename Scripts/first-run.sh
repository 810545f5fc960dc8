#!/usr/bin/env bash
# A newcomer's first run, timed: a fresh clone of this repository in a temporary folder, then
# its Scripts/run.sh until GET /healthz answers 200. Prints the total and, from run.sh's own
# step lines, install, dependency resolution, build and start. The clone (its .build, every
# dependency compiled from nothing) is removed at the end; the server is stopped by its PID.
#
#   Scripts/first-run.sh                        # HEAD of this checkout, the default build
#   FIRST_RUN_REF=2e7e42f Scripts/first-run.sh  # another commit (an older run.sh prints no steps)
#   CONDUIT_TRAITS=OTLPExport Scripts/first-run.sh   # the build with the OTLP exporter
set -euo pipefail
cd "$(dirname "$0")/.."
ref="${FIRST_RUN_REF:-HEAD}"
work="$(mktemp -d /tmp/conduit-first-run.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
git clone -q --no-local "$PWD" "$work/conduit"
git -C "$work/conduit" checkout -q "$ref"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
echo "first-run: $(git -C "$work/conduit" log --oneline -1) in $work/conduit, port $port${CONDUIT_TRAITS:+, traits $CONDUIT_TRAITS}" >&2
started=$(date +%s.%N)
# run.sh's arguments go to `conduit serve`; a fresh folder, so the SQLite file is new too.
(cd "$work/conduit" && exec env PORT="$port" HOST=127.0.0.1 ${CONDUIT_TRAITS:+CONDUIT_TRAITS="$CONDUIT_TRAITS"} \
  Scripts/run.sh >"$work/stdout.log" 2>"$work/stderr.log") &
server_pid=$!
until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -30 "$work/stderr.log" >&2
    echo "first-run: run.sh exited before /healthz answered" >&2
    exit 1
  fi
  sleep 0.2
done
total=$(python3 -c "import time; print(f'{time.time() - $started:.0f}')")
grep '^run.sh: ' "$work/stderr.log" | grep -v 'starting conduit' >&2 || true
# Start: from the end of the build (run.sh's last step line) to the first 200.
steps=$(awk '/^run.sh: .* in [0-9]+ s$/ { sum += $(NF - 1); seen = 1 } END { if (seen) print sum }' "$work/stderr.log")
[ -n "$steps" ] && echo "run.sh: start (to the first 200) in about $((total - steps)) s" >&2
echo "first-run: GET /healthz answered 200 after ${total} s (${ref}, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB)"
