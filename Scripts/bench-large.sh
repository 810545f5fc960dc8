#!/usr/bin/env bash
# Does the API's cost grow with the data? The anon and auth mixes of ../shared/bench/app on a
# server holding the mixes' own 100 articles, then on one that also holds ARTICLES more (seeded
# through the API by Scripts/seed-articles.py), on SQLite and on PostgreSQL, in one run; prints
# each large figure as a ratio of the small one.
#
#   Scripts/bench-large.sh
#   ARTICLES=100000 ENGINES="sqlite postgres" DURATION=8 Scripts/bench-large.sh
set -euo pipefail
cd "$(dirname "$0")/.."
APP_BENCH="${APP_BENCH:-../shared/bench/app}"
ARTICLES="${ARTICLES:-100000}"; ENGINES="${ENGINES:-sqlite postgres}"; DURATION="${DURATION:-8}"
Scripts/install-deps.sh wrk
BIN="${CONDUIT_BIN_DIR:-}"
if [ -z "$BIN" ]; then swift build -c release --product conduit >/dev/null; BIN="$(swift build -c release --show-bin-path)"; fi
OUT="$(mktemp /tmp/conduit-bench-large.XXXXXX.tsv)"
WORK="$(mktemp -d /tmp/conduit-bench-large.XXXXXX)"
PG_DIR=""; PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -n "$PG_DIR" ] && Scripts/postgres.sh stop "$PG_DIR" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }

case " $ENGINES " in *" postgres "*)
  eval "$(Scripts/postgres.sh start)"; PG_DIR="$CONDUIT_TEST_POSTGRES_DIR"; PG_URL="$CONDUIT_TEST_POSTGRES_URL" ;;
esac

run() { # ENGINE EXTRA_ARTICLES
  local engine=$1 extra=$2 port url dir
  port=$(free_port); dir="$WORK/$engine-$extra"; mkdir -p "$dir"
  if [ "$engine" = postgres ]; then
    local db="large_$extra"
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    url="${PG_URL/\/conduit\?//$db?}"
  else
    url="sqlite:$dir/db.sqlite"
  fi
  (cd "$dir" && exec env HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warning DATABASE_URL="$url" \
    JWT_SECRET=bench-secret-0123456789abcdef0123456789ab RATE_LIMIT_AUTH_PER_MINUTE=1000000 RATE_LIMIT_PER_MINUTE=100000000 \
    "$BIN/conduit" serve >"$dir/log" 2>&1) & PID=$!
  for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
  if [ "$extra" -gt 0 ]; then
    python3 Scripts/seed-articles.py --base "http://127.0.0.1:$port" --articles "$extra"
    # Measure the steady state, not the aftermath of the burst: on PostgreSQL, what autovacuum
    # and the checkpointer would do within the next minutes (and would do during the
    # measurement otherwise), done now.
    [ "$engine" = postgres ] && psql "$url" -qc "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
  fi
  python3 "$APP_BENCH/app-mix.py" --base "http://127.0.0.1:$port" --name "$engine-$extra" --duration "$DURATION" \
    --mixes anon,auth --out "$OUT" >/dev/null
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
}

for engine in $ENGINES; do
  run "$engine" 0
  run "$engine" "$ARTICLES"
done
python3 - "$OUT" "$ARTICLES" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
extra = sys.argv[2]
small = {(r[0].rsplit("-", 1)[0], r[1]): float(r[2]) for r in rows if r[0].endswith("-0")}
print(f"{'server':<20} {'mix':<5} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'x small':>8}")
for r in rows:
    engine, size = r[0].rsplit("-", 1)
    ratio = f"{float(r[2]) / small[(engine, r[1])]:.2f}" if size != "0" else ""
    print(f"{engine + ' +' + size:<20} {r[1]:<5} {float(r[2]):>8.0f} {r[3]:>7} {r[4]:>7} {ratio:>8}")
PY
echo "rows: $OUT" >&2
