#!/usr/bin/env bash
# Time from process start to the first 200 from /readyz (release build, SQLite default,
# migrations included), over RUNS fresh starts in fresh directories.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"
swift build -c release --product conduit >/dev/null
BIN="$(swift build -c release --show-bin-path)/conduit"
python3 - "$BIN" "$RUNS" <<'PY'
import os, socket, subprocess, sys, tempfile, time, urllib.request
binary, runs = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(runs):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    with tempfile.TemporaryDirectory() as work:
        started = time.monotonic()
        server = subprocess.Popen([binary, "serve"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env=dict(os.environ, PORT=str(port), LOG_LEVEL="warning"))
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=0.2).status == 200: break
            except Exception:
                if server.poll() is not None: sys.exit("conduit exited during start-up")
                time.sleep(0.001)
        times.append((time.monotonic() - started) * 1000)
        server.terminate(); server.wait()
times.sort()
print(f"start to /readyz 200 over {runs} runs: min {times[0]:.0f} ms, median {times[len(times)//2]:.0f} ms, max {times[-1]:.0f} ms")
PY
