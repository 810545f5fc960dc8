# Shared by Scripts/bench.sh and Scripts/bench-db.sh (source it; it defines functions only).
# Expects THREADS, CONNS, DURATION and WARMUP to be set.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_up() {
  for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2; exit 1
}

# wrk's --latency table gives "50%" and "99%" rows; convert them to microseconds.
to_us() { awk '{ v=$1; u=v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
  f = (u=="us") ? 1 : (u=="ms") ? 1000 : (u=="s") ? 1000000 : 1; printf "%d", v*f }'; }

print_header() { printf "%-22s %12s %10s %10s %8s\n" "route" "req/s" "p50 us" "p99 us" "errors"; }

# bench_row NAME URL [wrk args...]: a warm-up, then one measured wrk run printed as a row.
bench_row() {
  local name="$1" url="$2"; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$@" "$url" >/dev/null 2>&1 || true
  local out rps p50 p99 errors
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_us)
  p99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_us)
  # Non-2xx responses plus every socket error wrk counted.
  errors=$(echo "$out" | awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(/,/, ""); n+=$4+$6+$8+$10} END {print n+0}')
  printf "%-22s %12s %10s %10s %8s\n" "$name" "$rps" "$p50" "$p99" "$errors"
}

# seed_read_mix API_URL: 5 authors with 10 articles each (3 tags), then exports PATHS, the
# read mix of Scripts/wrk/read-mix.lua (a frontend's home and article pages).
seed_read_mix() {
  local api="$1" u a token slug
  for u in 1 2 3 4 5; do
    token=$(curl -fs -X POST "$api/users" -H 'Content-Type: application/json' \
      -d "{\"user\":{\"username\":\"author$u\",\"email\":\"author$u@bench.test\",\"password\":\"password123\"}}" \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["user"]["token"])')
    for a in $(seq 10); do
      curl -fs -o /dev/null -X POST "$api/articles" -H 'Content-Type: application/json' -H "Authorization: Token $token" \
        -d "{\"article\":{\"title\":\"Article $u-$a\",\"description\":\"About $a\",\"body\":\"$(printf 'lorem ipsum %.0s' $(seq 40))\",\"tagList\":[\"tag$a\",\"common\",\"author$u\"]}}"
    done
  done
  slug=$(curl -fs "$api/articles?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["articles"][0]["slug"])')
  export PATHS="/api/articles,/api/articles/$slug,/api/tags,/api/profiles/author1,/api/articles?tag=common&limit=10"
}
