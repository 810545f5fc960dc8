#!/usr/bin/env bash
# Does the API's cost grow with the data? The anon and auth mixes of ../shared/bench/app on a
# server holding the mixes' own 100 articles, and on one that also holds ARTICLES more (seeded
# through the API by Scripts/seed-articles.py), on SQLite and on PostgreSQL; prints each large
# figure as a ratio of the small one measured just before it. This box moves by a third between
# runs, so both servers stay up and are measured in turn ROUNDS times; the median ratio is the
# figure to quote. (Each measurement seeds the mix's 10 users and 100 articles again, so the
# small server holds 100 * ROUNDS articles by the end.)
#
#   Scripts/bench-large.sh
#   ARTICLES=100000 ENGINES="sqlite postgres" DURATION=8 ROUNDS=3 Scripts/bench-large.sh
set -euo pipefail
cd "$(dirname "$0")/.."
APP_BENCH="${APP_BENCH:-../shared/bench/app}"
ARTICLES="${ARTICLES:-100000}"; ENGINES="${ENGINES:-sqlite postgres}"; DURATION="${DURATION:-8}"; ROUNDS="${ROUNDS:-3}"
Scripts/install-deps.sh wrk
BIN="${CONDUIT_BIN_DIR:-}"
if [ -z "$BIN" ]; then swift build -c release --product conduit >/dev/null; BIN="$(swift build -c release --show-bin-path)"; fi
OUT="$(mktemp /tmp/conduit-bench-large.XXXXXX.tsv)"
WORK="$(mktemp -d /tmp/conduit-bench-large.XXXXXX)"
PG_DIR=""; PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  [ -n "$PG_DIR" ] && Scripts/postgres.sh stop "$PG_DIR" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }

case " $ENGINES " in *" postgres "*)
  eval "$(Scripts/postgres.sh start)"; PG_DIR="$CONDUIT_TEST_POSTGRES_DIR"; PG_URL="$CONDUIT_TEST_POSTGRES_URL" ;;
esac

start() { # ENGINE EXTRA_ARTICLES: a server holding EXTRA_ARTICLES more; sets PORT
  local engine=$1 extra=$2 url dir
  PORT=$(free_port); dir="$WORK/$engine-$extra"; mkdir -p "$dir"
  if [ "$engine" = postgres ]; then
    local db="large_$extra"
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    url="${PG_URL/\/conduit\?//$db?}"
  else
    url="sqlite:$dir/db.sqlite"
  fi
  (cd "$dir" && exec env HOST=127.0.0.1 PORT="$PORT" LOG_LEVEL=warning DATABASE_URL="$url" \
    JWT_SECRET=bench-secret-0123456789abcdef0123456789ab RATE_LIMIT_AUTH_PER_MINUTE=1000000 RATE_LIMIT_PER_MINUTE=100000000 \
    "$BIN/conduit" serve >"$dir/log" 2>&1) & PIDS+=($!)
  for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.1; done
  if [ "$extra" -gt 0 ]; then
    python3 Scripts/seed-articles.py --base "http://127.0.0.1:$PORT" --articles "$extra"
    # Measure the steady state, not the aftermath of the burst: on PostgreSQL, what autovacuum
    # and the checkpointer would do within the next minutes (and would do during the
    # measurement otherwise), done now.
    [ "$engine" = postgres ] && psql "$url" -qc "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
  fi
  return 0
}

measure() { # NAME PORT
  python3 "$APP_BENCH/app-mix.py" --base "http://127.0.0.1:$2" --name "$1" --duration "$DURATION" \
    --mixes anon,auth --out "$OUT" >/dev/null
}

for engine in $ENGINES; do
  start "$engine" 0; small=$PORT
  start "$engine" "$ARTICLES"; large=$PORT
  for _ in $(seq "$ROUNDS"); do
    measure "$engine-0" "$small"
    measure "$engine-$ARTICLES" "$large"
  done
  for pid in "${PIDS[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done; PIDS=()
done
python3 - "$OUT" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
small = {}
ratios = {}
print(f"{'server':<20} {'mix':<5} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'x small':>8}")
for r in rows:
    engine, size = r[0].rsplit("-", 1)
    rps = float(r[2])
    ratio = ""
    if size == "0":
        small[(engine, r[1])] = rps
    else:
        value = rps / small[(engine, r[1])]
        ratios.setdefault((engine, size, r[1]), []).append(value)
        ratio = f"{value:.2f}"
    print(f"{engine + ' +' + size:<20} {r[1]:<5} {rps:>8.0f} {r[3]:>7} {r[4]:>7} {ratio:>8}")
print()
for (engine, size, mix), values in ratios.items():
    listed = " ".join(f"{v:.2f}" for v in values)
    print(f"{engine} +{size} {mix}: median {statistics.median(values):.2f} x small (rounds: {listed})")
PY
echo "rows: $OUT" >&2
