#!/usr/bin/env bash
# Installs the Debian packages the build and tests need (libevent-dev, pkg-config; curl and
# python3 for the conformance run; postgresql for the PostgreSQL half of the tests) when they
# are missing.
# Extra package names can be passed as arguments (Scripts/bench.sh adds wrk).
set -euo pipefail
packages=(libevent-dev pkg-config "$@")
# Tools that may come from elsewhere (pyenv, a base image): installed only when not on PATH.
command -v curl >/dev/null || packages+=(curl)
command -v python3 >/dev/null || packages+=(python3)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null || packages+=(postgresql)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
