#!/usr/bin/env bash
# The whole test suite: unit tests, in-process socket tests, end-to-end tests that start the
# real binaries, schemathesis against the OpenAPI document, then the official RealWorld suite
# when it is present. Installs what is missing first. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
# The end-to-end tests start .build/debug/conduit, so every product is built first.
swift build --build-tests
export CONDUIT_BIN_DIR="$(swift build --show-bin-path)"
swift test --skip-build "$@"
# schemathesis against a fresh server with its own /api/openapi.json (bounded, about a minute).
Scripts/schemathesis.sh
# The official RealWorld suite against a fresh server, when ../shared/conformance exists.
Scripts/conformance.sh
