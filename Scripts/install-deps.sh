#!/usr/bin/env bash
# Installs what the build and tests need when it is missing: the Debian packages (libevent-dev,
# libsqlite3-dev, zlib1g-dev, pkg-config, libtcmalloc-minimal4: conduit's malloc; curl and python3 for the conformance and schemathesis runs; postgresql for the
# PostgreSQL half of the tests) and schemathesis,
# pinned, in its own virtual environment under .build/tools/schemathesis (Scripts/schemathesis.sh).
# Extra Debian package names can be passed as arguments (Scripts/bench.sh adds wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION="4.32.5"
packages=(libevent-dev libsqlite3-dev zlib1g-dev pkg-config libtcmalloc-minimal4 "$@")
# Tools that may come from elsewhere (pyenv, a base image): installed only when not on PATH.
command -v curl >/dev/null || packages+=(curl)
command -v python3 >/dev/null || packages+=(python3)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null || packages+=(postgresql)
# Debian's python3 makes virtual environments only with python3-venv (ensurepip).
command -v python3 >/dev/null && python3 -c 'import ensurepip' 2>/dev/null || packages+=(python3-venv)
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

venv=".build/tools/schemathesis"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
  echo "installing: schemathesis $SCHEMATHESIS_VERSION (into $venv)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
