#!/usr/bin/env bash
# The container as operators run it: builds the image `conduit:local` from the project's own
# Dockerfile under a real Docker engine, then tests the running image (not the binary) over its
# port published on 127.0.0.1 only. Run by Scripts/test.sh, so in CI (as root); elsewhere the
# privileged steps go through sudo.
#
#   Scripts/container-test.sh
#
# Sets up what is missing, with the Debian archive as the only network source:
# - Debian's docker.io (and debootstrap, the first time); a dockerd when none answers, stopped
#   again at exit;
# - the base image debian:bookworm-slim, made once with `debootstrap --variant=minbase bookworm`
#   and kept as a tarball in $CONDUIT_CI_CACHE (default /var/cache/conduit-ci), since no image
#   registry is reachable;
# - the binary: `swift build -c release --product conduit --static-swift-stdlib --traits OTLPExport` on the host in
#   .build-static, taken by the Dockerfile's `prebuilt` stage, so the runtime stage is the very
#   one users build (Dockerfile header).
# PostgreSQL case: the server in CONDUIT_TEST_POSTGRES_URL (Scripts/test.sh starts one), else a
# throwaway one from Scripts/postgres.sh. Containers and volumes it creates are removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
started_at=$(date +%s)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
cache="${CONDUIT_CI_CACHE:-/var/cache/conduit-ci}"
image="conduit:local"
label="conduit-container-test=$$"
work=$(mktemp -d /tmp/conduit-container-test.XXXXXX)
dockerd_pid=""
postgres_dir=""
root=""  # the base image's root filesystem while debootstrap makes it

log() { echo "container-test: $*" >&2; }
fail() {
  echo "container-test: FAIL: $*" >&2
  exit 1
}
ok() { echo "container-test: ok - $*"; }

cleanup() {
  local status=$?
  if [ -n "${docker:-}" ] && $docker info >/dev/null 2>&1; then
    local ids
    ids=$($docker ps -aq --filter "label=$label")
    [ -z "$ids" ] || $docker rm -f -v $ids >/dev/null 2>&1 || true
    ids=$($docker volume ls -q --filter "label=$label")
    [ -z "$ids" ] || $docker volume rm -f $ids >/dev/null 2>&1 || true
  fi
  if [ -n "$dockerd_pid" ]; then
    $sudo kill -TERM "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do $sudo kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
  fi
  [ -z "$postgres_dir" ] || Scripts/postgres.sh stop "$postgres_dir"
  [ -z "$root" ] || $sudo rm -rf "$root"
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

apt_install() {
  log "installing: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- the engine ------------------------------------------------------------------------------
command -v dockerd >/dev/null || apt_install docker.io

# A docker CLI that builds with BuildKit (the Dockerfile's `prebuilt` stage needs it, see its
# header): one with the buildx plugin, or a CLI older than 23, which drives the daemon's own
# BuildKit when DOCKER_BUILDKIT=1 (Debian bookworm's docker.io is 20.10).
docker=""
for cli in docker /usr/bin/docker; do
  command -v "$cli" >/dev/null || continue
  if "$cli" buildx version >/dev/null 2>&1; then docker="$cli"; break; fi
  major=$("$cli" --version | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')
  if [ -n "$major" ] && [ "$major" -lt 23 ]; then docker="$cli"; break; fi
done
[ -n "$docker" ] || fail "no docker CLI that can build with BuildKit (install the buildx plugin)"
[ -z "$sudo" ] || $docker info >/dev/null 2>&1 || docker="sudo $docker"
export DOCKER_BUILDKIT=1

if ! $docker info >/dev/null 2>&1; then
  log "starting dockerd (log: $work/dockerd.log)"
  $sudo dockerd >"$work/dockerd.log" 2>&1 </dev/null &
  dockerd_pid=$!
  for _ in $(seq 1 150); do
    $docker info >/dev/null 2>&1 && break
    $sudo kill -0 "$dockerd_pid" 2>/dev/null || { tail -20 "$work/dockerd.log" >&2; fail "dockerd exited"; }
    sleep 0.2
  done
  $docker info >/dev/null 2>&1 || { tail -20 "$work/dockerd.log" >&2; fail "dockerd did not answer within 30 s"; }
fi

# --- the base image, built once from the Debian archive -----------------------------------------
# An image pulled from a registry is used as it is; one made here carries the label
# conduit-ci-base with the recipe's version (bump it when the recipe below changes).
base_version=2
base_tar="$cache/debian-bookworm-minbase-v$base_version.tar"
base_label=$($docker image inspect -f '{{index .Config.Labels "conduit-ci-base"}}' debian:bookworm-slim 2>/dev/null || echo missing)
if [ "$base_label" = missing ] || { [ -n "${base_label#<no value>}" ] && [ "$base_label" != "$base_version" ]; }; then
  if [ ! -s "$base_tar" ]; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    log "building debian:bookworm-slim with debootstrap --variant=minbase (once; kept in $base_tar)"
    $sudo mkdir -p "$cache"
    root="$cache/rootfs.$$"
    $sudo rm -rf "$root"
    $sudo debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
      || { tail -20 "$work/debootstrap.log" >&2; $sudo rm -rf "$root"; fail "debootstrap failed"; }
    # Slim as Debian's own image: no package caches or lists, no docs (copyright kept), man
    # pages or locales, now or after later installs (its dpkg and apt settings: apt keeps no .deb
    # files and no pkgcache.bin); the same archive sources as debian:bookworm-slim.
    put() { $sudo tee "$root/$1" >/dev/null; }
    $sudo rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
      "$root"/var/log/*.log "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
      "$root"/usr/share/lintian/* "$root"/etc/apt/sources.list
    $sudo find "$root"/usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
      'path-exclude /usr/share/lintian/*' | put etc/dpkg/dpkg.cfg.d/docker
    clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
    printf '%s\n' "DPkg::Post-Invoke { $clean };" "APT::Update::Post-Invoke { $clean };" \
      'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' | put etc/apt/apt.conf.d/docker-clean
    echo 'Acquire::Languages "none";' | put etc/apt/apt.conf.d/docker-no-languages
    echo 'Acquire::GzipIndexes "true";' | put etc/apt/apt.conf.d/docker-gzip-indexes
    echo 'Apt::AutoRemove::SuggestsImportant "false";' | put etc/apt/apt.conf.d/docker-autoremove-suggests
    printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm bookworm-updates' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
      'Types: deb' 'URIs: http://deb.debian.org/debian-security' 'Suites: bookworm-security' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
      | put etc/apt/sources.list.d/debian.sources
    $sudo rm -f "$cache"/debian-bookworm-minbase*.tar  # earlier recipes
    $sudo tar -C "$root" --numeric-owner -cf "$base_tar.tmp" . && $sudo mv "$base_tar.tmp" "$base_tar"
    $sudo rm -rf "$root"
    root=""
  fi
  $docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' --change "LABEL conduit-ci-base=$base_version" "$base_tar" debian:bookworm-slim >/dev/null
fi

# --- the binary and the image ------------------------------------------------------------------
log "building the release binary (--static-swift-stdlib, .build-static)"
build=(swift build -c release --product conduit --static-swift-stdlib --traits OTLPExport --scratch-path .build-static)
"${build[@]}" >"$work/swift-build.log" 2>&1 || { tail -40 "$work/swift-build.log" >&2; fail "swift build failed"; }
cp "$("${build[@]}" --show-bin-path)/conduit" .build-static/conduit
log "building $image (Dockerfile, CONDUIT_BINARY=prebuilt)"
$docker build -q --build-arg CONDUIT_BINARY=prebuilt -t "$image" . >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "docker build failed"; }
size=$($docker image inspect -f '{{.Size}}' "$image")
ok "built $image, $((size / 1000000)) MB"

# --- helpers -------------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
metrics_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

# run NAME [docker run options...]: a detached container of the image with the options
# docs/OPERATIONS.md gives: strong secrets, and more time to stop than SHUTDOWN_GRACE_SECONDS.
run() {
  local name="$1"; shift
  $docker run -d --name "$name-$$" --label "$label" -e JWT_SECRET="$secret" -e METRICS_TOKEN="$metrics_token" \
    --stop-timeout 20 "$@" "$image" >/dev/null
}

# ready NAME PORT: /readyz answers 200 on 127.0.0.1:PORT within 30 s.
ready() {
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$2/readyz" 2>/dev/null && return 0
    [ "$($docker inspect -f '{{.State.Running}}' "$1-$$")" = true ] || break
    sleep 0.2
  done
  $docker logs "$1-$$" >&2 || true
  fail "$1: /readyz did not answer 200"
}

# api PORT METHOD PATH [JSON]: prints the status, the body goes to $work/body.
api() {
  curl -sS -o "$work/body" -w '%{http_code}' --max-time 30 -X "$2" -H 'Content-Type: application/json' \
    ${4:+--data "$4"} "http://127.0.0.1:$1$3"
}
register() { api "$1" POST /api/users "{\"user\":{\"username\":\"$2\",\"email\":\"$2@example.com\",\"password\":\"correct horse $2\"}}"; }
login() { api "$1" POST /api/users/login "{\"user\":{\"email\":\"$2@example.com\",\"password\":\"correct horse $2\"}}"; }

# stop NAME: docker stop, then the container's exit code.
stop() {
  $docker stop "$1-$$" >/dev/null
  $docker inspect -f '{{.State.ExitCode}}' "$1-$$"
}

# uid NAME: the real uid and gid of the container's main process, as the host sees them.
uid() {
  local pid
  pid=$($docker inspect -f '{{.State.Pid}}' "$1-$$")
  awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u ":" g }' "/proc/$pid/status"
}

# --- the image as built ------------------------------------------------------------------------
health_test=$($docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$image")
[ "$health_test" = '["CMD","/usr/local/bin/conduit","healthcheck"]' ] || fail "HEALTHCHECK is $health_test"
[ "$($docker image inspect -f '{{.Config.User}}' "$image")" = 10001:0 ] || fail "image user is not 10001:0"
if $docker run --rm --network none --entrypoint dpkg-query "$image" -W curl >/dev/null 2>&1; then
  fail "curl is in the image"
fi
ok "HEALTHCHECK is conduit healthcheck (exec form), USER 10001:0, no curl"

# --- configuration errors: one line, exit 78 -----------------------------------------------------
for variant in "missing:" "weak:-e JWT_SECRET=changeme"; do
  name=${variant%%:*}
  # shellcheck disable=SC2086 # the options are meant to split
  status=0; $docker run --rm --network none --label "$label" ${variant#*:} "$image" >"$work/out" 2>"$work/err" || status=$?
  [ "$status" -eq 78 ] || fail "$name JWT_SECRET: exit $status, not 78 ($(cat "$work/err"))"
  [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q JWT_SECRET "$work/err" \
    || fail "$name JWT_SECRET: stderr is not one line naming JWT_SECRET: $(cat "$work/err")"
  ok "$name JWT_SECRET: exit 78, one line: $(cat "$work/err")"
done

# --- SQLite on a volume, read-only root filesystem, default user ---------------------------------
# The flags docs/OPERATIONS.md gives: --read-only with a tmpfs /tmp (SQLite's temporary files).
readonly_flags=(--read-only --tmpfs /tmp)
$docker volume create --label "$label" "conduit-data-$$" >/dev/null
port=$(free_port)
run first "${readonly_flags[@]}" -v "conduit-data-$$:/app/data" -p "127.0.0.1:$port:8080"
ready first "$port"
[ "$(uid first)" = "10001:0" ] || fail "first: runs as $(uid first), not 10001:0"
ok "runs as uid 10001 (group 0) by default, read-only root filesystem"
[ "$(register "$port" alice)" = 201 ] || fail "first: registration: $(cat "$work/body")"
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $metrics_token" "http://127.0.0.1:$port/metrics")
[ "$status" = 200 ] || fail "first: /metrics with METRICS_TOKEN answered $status"
ok "registration 201 and /metrics (METRICS_TOKEN) 200 on 127.0.0.1:$port"
for _ in $(seq 1 40); do
  health=$($docker inspect -f '{{.State.Health.Status}}' "first-$$")
  [ "$health" = healthy ] && break
  sleep 1
done
[ "$health" = healthy ] || fail "first: health is $health: $($docker inspect -f '{{json .State.Health.Log}}' "first-$$")"
ok "the image's HEALTHCHECK reports healthy"
[ "$(stop first)" = 0 ] || fail "first: exit code $($docker inspect -f '{{.State.ExitCode}}' "first-$$") after docker stop"
$docker logs "first-$$" >"$work/stdout" 2>"$work/stderr"
[ ! -s "$work/stderr" ] || fail "first: stderr is not empty: $(head -5 "$work/stderr")"
python3 - "$work/stdout" <<'EOF' || fail "first: logs are not JSON lines"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
records = [json.loads(line) for line in lines]
assert records and all(isinstance(r, dict) and {"timestamp", "level", "message"} <= r.keys() for r in records)
assert any(r["message"] == "request" and r.get("path") == "/api/users" and str(r.get("status")) == "201" for r in records)
assert records[-1]["message"] == "stopped"
EOF
ok "docker stop: exit 0; docker logs: $(wc -l <"$work/stdout") JSON lines on stdout, none on stderr"

# --- a new container on the same volume: the old data, and a request in flight at docker stop ----
# A registration hashes its password with scrypt at PASSWORD_HASH_COST 19 (512 MiB, about a
# second or more): docker stop arrives while it runs.
port=$(free_port)
run second "${readonly_flags[@]}" -v "conduit-data-$$:/app/data" -p "127.0.0.1:$port:8080" -e PASSWORD_HASH_COST=19
ready second "$port"
[ "$(login "$port" alice)" = 200 ] || fail "second: alice cannot log in on the same volume: $(cat "$work/body")"
ok "a new container on the same volume sees the old data (login 200)"
(
  register "$port" bob >"$work/slow-status" 2>"$work/slow-error" || true
  date +%s.%N >"$work/slow-done"
  cp "$work/body" "$work/slow-body" 2>/dev/null || true
) &
slow=$!
sleep 0.5
stop_at=$(date +%s.%N)
code=$(stop second)
stopped_at=$(date +%s.%N)
wait "$slow"
[ "$(cat "$work/slow-status")" = 201 ] \
  || fail "request in flight at docker stop: status $(cat "$work/slow-status") $(cat "$work/slow-error" "$work/slow-body" 2>/dev/null)"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)' "$(cat "$work/slow-done")" "$stop_at" \
  || fail "the slow registration finished before docker stop: nothing was in flight"
[ "$code" = 0 ] || fail "second: exit code $code after docker stop"
$docker logs "second-$$" >"$work/stdout" 2>/dev/null
grep -q '"message":"draining"' "$work/stdout" || fail "second: no draining line"
ok "a request in flight at docker stop got its 201, then exit 0 ($(python3 -c 'import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 2))' "$stopped_at" "$stop_at") s)"

# --- an arbitrary UID in group 0 (OpenShift, runAsUser) ----------------------------------------
$docker volume create --label "$label" "conduit-anyuid-$$" >/dev/null
for round in 1 2; do
  port=$(free_port)
  run "anyuid$round" --user 12345:0 "${readonly_flags[@]}" -v "conduit-anyuid-$$:/app/data" -p "127.0.0.1:$port:8080"
  ready "anyuid$round" "$port"
  [ "$(uid "anyuid$round")" = "12345:0" ] || fail "anyuid$round: runs as $(uid "anyuid$round")"
  if [ "$round" = 1 ]; then
    [ "$(register "$port" carol)" = 201 ] || fail "--user 12345:0: registration: $(cat "$work/body")"
  else
    [ "$(login "$port" carol)" = 200 ] || fail "--user 12345:0: the data did not survive a new container: $(cat "$work/body")"
  fi
  [ "$(stop "anyuid$round")" = 0 ] || fail "anyuid$round: exit code after docker stop"
done
ok "--user 12345:0 serves, writes its volume, and a new container keeps the data"

# --- PostgreSQL through DATABASE_URL ------------------------------------------------------------
if [ -z "${CONDUIT_TEST_POSTGRES_URL:-}" ]; then
  eval "$(Scripts/postgres.sh start)"
  postgres_dir="$CONDUIT_TEST_POSTGRES_DIR"
fi
# The test's PostgreSQL listens on the host's 127.0.0.1: this container shares the host's network
# (so it publishes nothing and listens on 127.0.0.1 itself).
port=$(free_port)
user="dave$$x$RANDOM"
run postgres --network host -e HOST=127.0.0.1 -e PORT="$port" -e DATABASE_URL="$CONDUIT_TEST_POSTGRES_URL" \
  "${readonly_flags[@]}"
ready postgres "$port"
[ "$(register "$port" "$user")" = 201 ] || fail "postgres: registration: $(cat "$work/body")"
[ "$(login "$port" "$user")" = 200 ] || fail "postgres: login: $(cat "$work/body")"
$docker logs "postgres-$$" >"$work/stdout" 2>/dev/null
[ "$(grep '"message":"database"' "$work/stdout" | grep -c '"engine":"postgres"')" = 1 ] \
  || fail "postgres: the container did not log a PostgreSQL database"
psql=$(compgen -G "/usr/lib/postgresql/*/bin/psql" | tail -1 || true)
if [ -n "$psql" ]; then
  count=$("$psql" "$CONDUIT_TEST_POSTGRES_URL" -tAc "SELECT count(*) FROM users WHERE username = '$user'")
  [ "$count" = 1 ] || fail "postgres: the user is not in PostgreSQL ($count rows)"
fi
$docker exec "postgres-$$" conduit healthcheck || fail "postgres: conduit healthcheck inside the container"
[ "$(stop postgres)" = 0 ] || fail "postgres: exit code after docker stop"
ok "PostgreSQL through DATABASE_URL: registration and login stored in PostgreSQL, healthcheck 0, exit 0"

ok "all container tests passed in $(($(date +%s) - started_at)) s"
