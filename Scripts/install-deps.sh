#!/usr/bin/env bash
# Installs what is missing, as Debian packages (and, for the tests, PyPI's schemathesis).
#
#   Scripts/install-deps.sh --serve   building and serving only (Scripts/run.sh): libevent-dev,
#                                     libsqlite3-dev, zlib1g-dev, pkg-config,
#                                     libtcmalloc-minimal4 (conduit's malloc)
#   Scripts/install-deps.sh           the above and what the tests use (Scripts/test.sh): curl
#                                     and python3 for the conformance and schemathesis runs,
#                                     postgresql for the PostgreSQL half, and schemathesis, pinned,
#                                     in its own virtual environment under .build/tools/schemathesis
#
# Extra Debian package names can follow (Scripts/bench.sh adds wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION="4.32.5"
tests=true
if [ "${1:-}" = "--serve" ]; then tests=false; shift; fi
packages=(libevent-dev libsqlite3-dev zlib1g-dev pkg-config libtcmalloc-minimal4 "$@")
if $tests; then
  # Tools that may come from elsewhere (pyenv, a base image): installed only when not on PATH.
  command -v curl >/dev/null || packages+=(curl)
  command -v python3 >/dev/null || packages+=(python3)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null || packages+=(postgresql)
  # Debian's python3 makes virtual environments only with python3-venv (ensurepip).
  command -v python3 >/dev/null && python3 -c 'import ensurepip' 2>/dev/null || packages+=(python3-venv)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
$tests || exit 0

venv=".build/tools/schemathesis"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
  echo "installing: schemathesis $SCHEMATHESIS_VERSION (into $venv)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
