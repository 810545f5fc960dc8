#!/usr/bin/env bash
# The Conduit API under the RealWorld load mixes (anon, auth, write: ../shared/bench/app) on
# SQLite and on PostgreSQL, with `hello /json` (the kernel's ceiling) in the same run, and the
# ratios to it. One server at a time, same seed; PostgreSQL is a throwaway server on this box.
#
#   Scripts/bench-app.sh
#   DURATION=10 CONNS=64 MIXES=anon,auth,write CONFIGS="hello conduit-sqlite conduit-pg" Scripts/bench-app.sh
#   CONDUIT_BIN_DIR=/tmp/other-build Scripts/bench-app.sh    # another build's binaries
#
# Prints one row per server and mix (req/s, p50 and p99 ms) and each mix's ratio to hello /json.
# Ratios within one run are what to compare: this machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_BENCH="${APP_BENCH:-../shared/bench/app}"
[ -x "$APP_BENCH/run-app.sh" ] || { echo "no $APP_BENCH/run-app.sh: the app benchmark lives beside the project" >&2; exit 1; }
Scripts/install-deps.sh wrk
if [ -z "${CONDUIT_BIN_DIR:-}" ]; then
  swift build -c release --product conduit >/dev/null
  swift build -c release --product hello >/dev/null
fi
export CONFIGS="${CONFIGS:-hello conduit-sqlite conduit-pg}"
export OUT="${OUT:-$(mktemp /tmp/conduit-bench-app.XXXXXX.tsv)}"
"$APP_BENCH/run-app.sh" >/dev/null
python3 - "$OUT" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
hello = next((float(r[2]) for r in rows if r[0] == "hello"), None)
print(f"{'server':<16} {'mix':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x hello/json':>13}")
for r in rows:
    name, mix, rps = r[0], r[1], float(r[2])
    p50 = r[3] if len(r) > 3 else ""
    p99 = r[4] if len(r) > 4 else ""
    ratio = f"{rps / hello:.3f}" if hello and name != "hello" else ""
    print(f"{name:<16} {mix:<6} {rps:>9.0f} {p50:>8} {p99:>8} {ratio:>13}")
EOF
echo "rows: $OUT" >&2
