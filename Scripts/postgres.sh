#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and local use: a fresh cluster in a temporary folder, owned
# by an unprivileged user (initdb refuses root), listening on 127.0.0.1 on a free port only.
#
#   eval "$(Scripts/postgres.sh start)"   # exports CONDUIT_TEST_POSTGRES_URL and CONDUIT_TEST_POSTGRES_DIR
#   Scripts/postgres.sh stop  "$CONDUIT_TEST_POSTGRES_DIR"   # stop and delete the cluster
#   Scripts/postgres.sh pause "$CONDUIT_TEST_POSTGRES_DIR"   # stop the server, keep the data (outage tests)
#   Scripts/postgres.sh resume "$CONDUIT_TEST_POSTGRES_DIR"  # start it again on the same port
#
# Durability is traded for speed (fsync off): for tests and benchmarks, never for real data.
# Installs Debian's postgresql package when no initdb is found.
set -euo pipefail
cd "$(dirname "$0")/.."
# Close descriptors inherited beyond stdin, stdout and stderr: the server would keep them open
# for its whole life (a test harness that learns of its child's exit through one of them
# would wait forever).
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  command -v "$1" 2>/dev/null
}

# Runs a command as the cluster's owner (the current user unless we are root).
as_owner() {
  local dir="$1"; shift
  if [ "$(id -u)" -eq 0 ]; then
    local owner; owner=$(stat -c %U "$dir")
    su -s /bin/bash "$owner" -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

start_server() {
  local dir="$1" port; port=$(cat "$dir/port")
  as_owner "$dir" "$(find_bin pg_ctl)" start -w -t 30 -D "$dir/data" -l "$dir/server.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null
}

case "${1:-}" in
  start)
    [ -n "$(find_bin initdb)" ] || Scripts/install-deps.sh postgresql >&2
    INITDB=$(find_bin initdb)
    dir=$(mktemp -d /tmp/conduit-pg.XXXXXX)
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      id conduit-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin conduit-pg
      chown conduit-pg "$dir"
    fi
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$dir/port"
    echo conduit >"$dir/password"
    [ "$(id -u)" -eq 0 ] && chown conduit-pg "$dir/port" "$dir/password"
    as_owner "$dir" "$INITDB" -D "$dir/data" -U conduit --pwfile="$dir/password" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    start_server "$dir"
    port=$(cat "$dir/port")
    as_owner "$dir" "$(find_bin psql)" -h "$dir" -p "$port" -U conduit -d postgres -qc "CREATE DATABASE conduit" >/dev/null
    echo "export CONDUIT_TEST_POSTGRES_URL=postgres://conduit:conduit@127.0.0.1:$port/conduit?sslmode=disable"
    echo "export CONDUIT_TEST_POSTGRES_DIR=$dir"
    ;;
  stop)
    dir="${2:?usage: $0 stop DIR}"
    [ -d "$dir/data" ] || exit 0
    as_owner "$dir" "$(find_bin pg_ctl)" stop -D "$dir/data" -m fast >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  pause)
    dir="${2:?usage: $0 pause DIR}"
    as_owner "$dir" "$(find_bin pg_ctl)" stop -D "$dir/data" -m fast >/dev/null
    ;;
  resume)
    start_server "${2:?usage: $0 resume DIR}"
    ;;
  *)
    echo "usage: $0 start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
