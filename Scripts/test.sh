#!/usr/bin/env bash
# The whole test suite: unit tests, in-process socket tests, end-to-end tests that start the
# real binaries, a bounded fuzz run, schemathesis against the OpenAPI document, then the
# official RealWorld suite when it is present; tests and official suite against SQLite and
# against PostgreSQL. Installs what is missing first (PostgreSQL included) and starts a
# throwaway PostgreSQL (Scripts/postgres.sh) for the run. CI runs exactly this (.ci/run).
#
#   Scripts/test.sh                      # everything
#   Scripts/test.sh --filter Postgres    # one pass of `swift test` with these arguments
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
# Every product with the OTLP exporter (the tracing tests export to a receiver); fuzz.sh builds
# its harness with the same traits.
export CONDUIT_TRAITS=OTLPExport
eval "$(Scripts/postgres.sh start)"
trap 'Scripts/postgres.sh stop "$CONDUIT_TEST_POSTGRES_DIR"' EXIT
echo "PostgreSQL for tests: ${CONDUIT_TEST_POSTGRES_URL/:conduit@/:****@}"
# The end-to-end tests start .build/debug/conduit, so every product is built first.
swift build --build-tests --traits "$CONDUIT_TRAITS"
export CONDUIT_BIN_DIR="$(swift build --show-bin-path)"
# Pass 1: everything; end-to-end servers on SQLite, the PostgreSQL tests (store, repositories,
# several instances) on the server started above.
if (($# > 0)); then
  swift test --skip-build "$@"
  exit 0
fi
swift test --skip-build --skip PostgresOutageTests
# The outage test (its own PostgreSQL, stopped and started under load) measures response times:
# alone, so that the rest of the suite does not load the two cores meanwhile.
swift test --skip-build --filter PostgresOutageTests
# Pass 2: the end-to-end suite again, every server on its own fresh PostgreSQL database.
echo "end-to-end tests on PostgreSQL:"
CONDUIT_E2E_DATABASE=postgres swift test --skip-build --filter EndToEndTests --skip 'Postgres(ScaleOut|Outage)Tests'
# Two users through the RealWorld Elm frontend in headless Chromium against this build's binary
# ($CONDUIT_BIN_DIR); installs Chromium and Selenium when missing (Scripts/browser-test.sh).
Scripts/browser-test.sh
# The whole request path under generated input for a bounded time (the seeded engine: no
# separate sanitizer build); the seed is printed, so a failure can be replayed.
FUZZ_ENGINE=seeded FUZZ_SECONDS=20 Scripts/fuzz.sh
# schemathesis against a fresh server with its own /api/openapi.json (bounded, about a minute).
Scripts/schemathesis.sh
# The official RealWorld suite against a fresh server, when ../shared/conformance exists.
echo "conformance on SQLite:"
Scripts/conformance.sh
echo "conformance on PostgreSQL:"
CONFORMANCE_POSTGRES_URL="$CONDUIT_TEST_POSTGRES_URL" Scripts/conformance.sh
# The image from the Dockerfile under a real Docker engine, tested as it runs (installs docker.io
# and builds a Debian base when missing; docs/OPERATIONS.md, "The container test").
Scripts/container-test.sh
# The default build, without the OTLP exporter, as Scripts/run.sh builds it for a newcomer:
# it compiles, and an OTLP endpoint is a configuration error that names the build command
# (exit 78), not a silent no-op. Last, since it relinks the debug binary without the trait.
swift build --product conduit >/dev/null
set +e
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 "$CONDUIT_BIN_DIR/conduit" config check >/dev/null 2>.build/default-build.err
status=$?
set -e
if [ "$status" -ne 78 ] || ! grep -q -- "--traits OTLPExport" .build/default-build.err; then
  echo "default build: an OTLP endpoint should exit 78 naming --traits OTLPExport (got $status)" >&2
  cat .build/default-build.err >&2
  exit 1
fi
echo "default build (no traits): compiles; an OTLP endpoint exits 78 and says how to build with the exporter"
