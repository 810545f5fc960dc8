#!/usr/bin/env bash
# What response compression costs and saves on the anon read mix of ../shared/bench/app (same
# seed, same pages), on SQLite, in one run:
#   off       COMPRESSION_ENABLED=false, requests without Accept-Encoding (the feature absent)
#   identity  compression on, requests without Accept-Encoding (what negotiation alone costs)
#   gzip      compression on, every request with Accept-Encoding: gzip
# Rounds alternate (off, identity, gzip, off, ...) so that the machine's drift hits all three.
# Prints req/s, p50/p99 per round, the median per config, ratios to `off`, and the bytes per
# response of each page with and without gzip.
#
#   Scripts/bench-compression.sh
#   DURATION=8 ROUNDS=3 CONNS=64 CONDUIT_BIN_DIR=.build/release Scripts/bench-compression.sh
set -euo pipefail
cd "$(dirname "$0")/.."
APP_BENCH="${APP_BENCH:-../shared/bench/app}"
[ -f "$APP_BENCH/app-mix.py" ] || { echo "no $APP_BENCH/app-mix.py: the app benchmark lives beside the project" >&2; exit 1; }
Scripts/install-deps.sh wrk
if [ -z "${CONDUIT_BIN_DIR:-}" ]; then
  swift build -c release --product conduit >/dev/null
  CONDUIT_BIN_DIR="$(swift build -c release --show-bin-path)"
fi
export CONDUIT_BIN_DIR APP_BENCH
exec python3 - <<'EOF'
import importlib.util, os, re, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request, gzip

spec = importlib.util.spec_from_file_location("appmix", os.path.join(os.environ["APP_BENCH"], "app-mix.py"))
appmix = importlib.util.module_from_spec(spec)
spec.loader.exec_module(appmix)
duration, rounds, conns = int(os.environ.get("DURATION", "8")), int(os.environ.get("ROUNDS", "3")), int(os.environ.get("CONNS", "64"))

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start(directory, enabled):
    port = free_port()
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", DATABASE_URL=f"sqlite:{directory}/db.sqlite", LOG_LEVEL="warning",
               PASSWORD_HASH_COST="10", RATE_LIMIT_AUTH_PER_MINUTE="1000000", JWT_SECRET="bench-secret-0123456789abcdefghijklmnop",
               COMPRESSION_ENABLED="true" if enabled else "false")
    process = subprocess.Popen([os.path.join(os.environ["CONDUIT_BIN_DIR"], "conduit"), "serve"], env=env, cwd=directory,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return process, base
        except Exception:
            time.sleep(0.05)
    raise SystemExit("conduit did not start")

LUA = r"""
local paths = {}
for path in string.gmatch(os.getenv("MIX_PATHS"), "[^,]+") do table.insert(paths, path) end
local coding = os.getenv("MIX_ACCEPT_ENCODING") or ""
local i = 0
request = function()
  local headers = {}
  if coding ~= "" then headers["Accept-Encoding"] = coding end
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
"""

def load(base, paths, coding):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
    env = dict(os.environ, MIX_PATHS=",".join(paths), MIX_ACCEPT_ENCODING=coding)
    args = ["wrk", "-t2", f"-c{conns}", "--latency", "-s", f.name, base + paths[0]]
    subprocess.run(args[:1] + ["-d2s"] + args[1:], env=env, capture_output=True)
    out = subprocess.run(args[:1] + [f"-d{duration}s"] + args[1:], env=env, capture_output=True, text=True).stdout
    os.unlink(f.name)
    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    if "Non-2xx" in out:
        raise SystemExit("non-2xx answers:\n" + out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), ms(50), ms(99)

with tempfile.TemporaryDirectory() as on_dir, tempfile.TemporaryDirectory() as off_dir:
    servers = {}
    for name, directory, enabled in [("on", on_dir, True), ("off", off_dir, False)]:
        process, base = start(directory, enabled)
        users, slugs = appmix.seed(base, f"{name}{int(time.time()) % 100000}")
        servers[name] = (process, base, appmix.paths_for(users, slugs, "anon"))
    try:
        print(f"{'page':<48} {'identity B':>10} {'gzip B':>8} {'ratio':>6}")
        total_plain = total_coded = 0
        _, base, paths = servers["on"]
        for path in paths:
            plain = urllib.request.urlopen(base + path).read()
            request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request) as response:
                coded = response.read()
                coding = response.headers.get("Content-Encoding")
            if coding == "gzip":
                assert gzip.decompress(coded) == plain, path
            total_plain += len(plain)
            total_coded += len(coded)
            print(f"{path[:48]:<48} {len(plain):>10} {len(coded):>8} {len(coded) / len(plain):>6.2f}")
        print(f"{'whole mix (one of each page)':<48} {total_plain:>10} {total_coded:>8} {total_coded / total_plain:>6.2f}\n")
        configs = [("off", "off", ""), ("identity", "on", ""), ("gzip", "on", "gzip")]
        results = {name: [] for name, _, _ in configs}
        print(f"{'round':<6} {'config':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for round in range(1, rounds + 1):
            for name, server, coding in configs:
                _, base, paths = servers[server]
                rps, p50, p99 = load(base, paths, coding)
                results[name].append(rps)
                print(f"{round:<6} {name:<9} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f}", flush=True)
        off = statistics.median(results["off"])
        print()
        for name, _, _ in configs:
            median = statistics.median(results[name])
            print(f"median {name:<9} {median:>9.0f} req/s  x off: {median / off:.3f}")
    finally:
        for process, _, _ in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
EOF
