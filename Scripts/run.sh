#!/usr/bin/env bash
# Installs what is missing, builds in release and serves on the embedded SQLite default
# (http://127.0.0.1:8080 unless PORT/HOST say otherwise). Extra arguments go to `conduit serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build -c release --product conduit
exec .build/release/conduit serve "$@"
