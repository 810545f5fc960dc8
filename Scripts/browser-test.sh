#!/usr/bin/env bash
# End to end in a real browser: two users through the RealWorld Elm frontend (../shared/frontend,
# see its SOURCE.md) in headless Chromium, driven by Selenium (Tests/Browser/journey.py), against
# the real `conduit serve` on a throwaway SQLite database. Sign up, sign in and out, a
# multi-paragraph article with tags, global and tag feeds, favorite, follow, a two-line comment,
# the followed feed, edit, settings and profile, pagination, delete; what the page shows is
# checked against the API, and any CORS complaint in the browser console fails the run.
#
# Installs what is missing: Debian's chromium and chromium-driver, and Selenium (pinned) in its
# own virtual environment under .build/tools/selenium. Skips with a message when the frontend
# is not there. Needs a built conduit: $CONDUIT_BIN_DIR/conduit (default .build/debug/conduit).
# On a failing step the screenshot, page source and browser console are left in
# .build/browser-artifacts/ (BROWSER_ARTIFACTS overrides), with the server's log.
set -euo pipefail
cd "$(dirname "$0")/.."
SELENIUM_VERSION="4.51.0"
FRONTEND="${FRONTEND_DIR:-../shared/frontend}"
API_ROOT_IN_ELM="https://conduit.productionready.io"
if [ ! -f "$FRONTEND/elm.js" ]; then
  echo "browser-test: $FRONTEND/elm.js not found, skipping the browser journey"
  exit 0
fi
BIN="${CONDUIT_BIN_DIR:-.build/debug}/conduit"
if [ ! -x "$BIN" ]; then
  echo "browser-test: no server binary at $BIN (swift build --product conduit, or set CONDUIT_BIN_DIR)" >&2
  exit 1
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/conduit"
started=$SECONDS

# --- what the run needs, installed when missing ---
# (install-deps.sh also brings curl, python3 and python3-venv when they are missing.)
Scripts/install-deps.sh chromium chromium-driver
venv=".build/tools/selenium"
if ! "$venv/bin/python" -c "import selenium, sys; sys.exit(selenium.__version__ != '$SELENIUM_VERSION')" 2>/dev/null; then
  echo "installing: selenium $SELENIUM_VERSION (into $venv)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "selenium==$SELENIUM_VERSION"
fi

# --- the server and the frontend, each on its own free loopback port ---
artifacts="${BROWSER_ARTIFACTS:-$PWD/.build/browser-artifacts}"
rm -rf "$artifacts"
work="$(mktemp -d /tmp/conduit-browser.XXXXXX)"
server_pid=""
frontend_pid=""
cleanup() {
  for pid in $frontend_pid $server_pid; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api_port="$(free_port)"
frontend_port="$(free_port)"
while [ "$frontend_port" = "$api_port" ]; do frontend_port="$(free_port)"; done
api="http://127.0.0.1:$api_port"
frontend="http://127.0.0.1:$frontend_port"

# A patched copy of the frontend: its one API root pointed at this server (SOURCE.md).
cp -R "$FRONTEND" "$work/frontend"
chmod -R u+w "$work/frontend"
sed -i "s#$API_ROOT_IN_ELM#$api#g" "$work/frontend/elm.js"
if grep -q "$API_ROOT_IN_ELM" "$work/frontend/elm.js" || ! grep -q "$api" "$work/frontend/elm.js"; then
  echo "browser-test: could not point elm.js at $api" >&2; exit 1
fi

# Generous auth rate limit: the journey signs up and in about fifteen times from one address.
(cd "$work" && exec env HOST=127.0.0.1 PORT="$api_port" DATABASE_URL="sqlite://$work/conduit.sqlite" \
  CORS_ALLOWED_ORIGINS="$frontend" RATE_LIMIT_AUTH_PER_MINUTE=1000 RATE_LIMIT_PER_MINUTE=0 \
  PASSWORD_HASH_COST=10 LOG_LEVEL=warning "$BIN" serve >"$work/server.log" 2>&1) &
server_pid=$!
(cd "$work/frontend" && exec python3 -m http.server --bind 127.0.0.1 "$frontend_port" >"$work/frontend.log" 2>&1) &
frontend_pid=$!
for url in "$api/readyz" "$frontend/index.html"; do
  for _ in $(seq 400); do
    curl -fs -o /dev/null "$url" && continue 2
    kill -0 "$server_pid" 2>/dev/null && kill -0 "$frontend_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "browser-test: $url did not come up" >&2; cat "$work/server.log" "$work/frontend.log" >&2; exit 1
done

# --- the journey ---
echo "browser-test: conduit at $api, frontend at $frontend"
status=0
CONDUIT_API_URL="$api" FRONTEND_URL="$frontend/" BROWSER_ARTIFACTS="$artifacts" \
  CHROMIUM_BINARY="$(command -v chromium)" CHROMEDRIVER="$(command -v chromedriver || echo /usr/bin/chromedriver)" \
  SE_OFFLINE=true SE_AVOID_STATS=true \
  "$venv/bin/python" Tests/Browser/journey.py || status=$?
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "browser-test: the server died during the run" >&2; status=1
elif grep -q '"level":"error"\|"level":"critical"' "$work/server.log"; then
  echo "browser-test: the server logged errors:" >&2
  grep '"level":"error"\|"level":"critical"' "$work/server.log" | head -20 >&2; status=1
fi
if ((status != 0)); then
  mkdir -p "$artifacts" && cp "$work/server.log" "$artifacts/server.log"
  echo "browser-test: FAILED after $((SECONDS - started)) s; screenshot, page source, console and server log in $artifacts/" >&2
  exit "$status"
fi
echo "browser-test: passed in $((SECONDS - started)) s"
