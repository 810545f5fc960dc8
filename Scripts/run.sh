#!/usr/bin/env bash
# Installs what building and serving need when it is missing (no test tools), builds in release
# and serves on the embedded SQLite default (http://127.0.0.1:8080 unless PORT/HOST say
# otherwise). Extra arguments go to `conduit serve`. Each step's time goes to stderr
# (Scripts/first-run.sh reads them).
#
#   Scripts/run.sh
#   CONDUIT_TRAITS=OTLPExport Scripts/run.sh     # with the OTLP trace exporter (OTEL_* keys)
set -euo pipefail
cd "$(dirname "$0")/.."
step_started=$SECONDS
step() { echo "run.sh: $1 in $((SECONDS - step_started)) s" >&2; step_started=$SECONDS; }
Scripts/install-deps.sh --serve
step "install"
swift package resolve
step "dependency resolution"
swift build -c release --product conduit ${CONDUIT_TRAITS:+--traits "$CONDUIT_TRAITS"}
step "build"
echo "run.sh: starting conduit" >&2
exec .build/release/conduit serve "$@"
