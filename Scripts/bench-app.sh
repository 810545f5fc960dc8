#!/usr/bin/env bash
# The Conduit API under the RealWorld load mixes (anon, auth, write: ../shared/bench/app) on
# SQLite and on PostgreSQL, with `hello /json` (the kernel's ceiling) in the same run, and the
# ratios to it. One server at a time, same seed; PostgreSQL is a throwaway server on this box.
#
#   Scripts/bench-app.sh
#   DURATION=10 CONNS=64 MIXES=anon,auth,write CONFIGS="hello conduit-sqlite conduit-pg" Scripts/bench-app.sh
#   CONDUIT_BIN_DIR=/tmp/other-build Scripts/bench-app.sh    # another build's binaries
#   ROUNDS=3 Scripts/bench-app.sh                            # three whole runs, then medians
#
# Prints one row per server and mix (req/s, p50 and p99 ms) and each mix's ratio to hello /json
# of the same run. Ratios within one run are what to compare: this machine is shared and noisy
# (hello /json alone gave 57,671 and then 79,533 req/s in two runs minutes apart, while the API
# mixes moved by a few percent), so with ROUNDS > 1 each run is printed, then the medians.
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
ROUNDS="${ROUNDS:-1}"
OUT="${OUT:-$(mktemp /tmp/conduit-bench-app.XXXXXX.tsv)}"
: > "$OUT"
for round in $(seq "$ROUNDS"); do
  # One whole run (hello, then each server's mixes), its rows tagged with the round.
  OUT="$OUT.round" "$APP_BENCH/run-app.sh" >/dev/null
  awk -v round="$round" '{print round "\t" $0}' "$OUT.round" >> "$OUT"
  rm -f "$OUT.round"
done
python3 - "$OUT" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
rounds = sorted({int(r[0]) for r in rows})

def table(title, lines):
    if title:
        print(title)
    print(f"{'server':<16} {'mix':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x hello/json':>13}")
    for name, mix, rps, p50, p99, ratio in lines:
        print(f"{name:<16} {mix:<6} {rps:>9.0f} {p50:>8} {p99:>8} {ratio:>13}")

figures = {}  # (server, mix) -> [(req/s, p50, p99, ratio)], one per run
for round in rounds:
    mine = [r[1:] for r in rows if int(r[0]) == round]
    hello = next((float(r[2]) for r in mine if r[0] == "hello"), None)
    lines = []
    for r in mine:
        name, mix, rps = r[0], r[1], float(r[2])
        p50 = r[3] if len(r) > 3 else ""
        p99 = r[4] if len(r) > 4 else ""
        ratio = rps / hello if hello and name != "hello" else None
        figures.setdefault((name, mix), []).append((rps, p50, p99, ratio))
        lines.append((name, mix, rps, p50, p99, f"{ratio:.3f}" if ratio is not None else ""))
    table(f"run {round}:" if len(rounds) > 1 else "", lines)

if len(rounds) > 1:
    def median(values):
        values = [float(v) for v in values if v not in ("", None)]
        return statistics.median(values) if values else None
    def shown(value, digits):
        return f"{value:.{digits}f}" if value is not None else ""
    lines = []
    for (name, mix), runs in figures.items():
        rps, p50, p99, ratio = (median(run[i] for run in runs) for i in range(4))
        lines.append((name, mix, rps, shown(p50, 2), shown(p99, 2), shown(ratio, 3)))
    table(f"median of {len(rounds)} runs (each column's median over the runs; a ratio is each run's own):", lines)
EOF
echo "rows: $OUT" >&2
