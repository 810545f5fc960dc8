#!/usr/bin/env bash
# Fuzzes the request path (router, query decoding, middleware, controllers' JSON validation,
# services, SQLite) in process for a bounded time, and prints how many inputs ran and how many
# failed (a 5xx, an error escaping the middleware, an error outside the envelope, a body that
# is not JSON, or a crash).
#
#   Scripts/fuzz.sh                   # libFuzzer (coverage-guided, with AddressSanitizer) for FUZZ_SECONDS
#   FUZZ_ENGINE=seeded Scripts/fuzz.sh   # the seeded mutator over the same harness (no rebuild)
#
# FUZZ_SECONDS (default 60). libFuzzer builds into .build-fuzz (a few minutes the first time)
# and keeps its corpus in .build-fuzz/corpus; inputs that fail land in .build-fuzz/crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
engine="${FUZZ_ENGINE:-libfuzzer}"
mkdir -p .build-fuzz/crashes

if [ "$engine" = libfuzzer ]; then
    # libFuzzer's coverage instrumentation and its driver without its main (conduit-fuzz has
    # its own and calls LLVMFuzzerRunDriver), linked by lld: gold fails on ASan's symbols.
    fuzzer_lib="$(dirname "$(dirname "$(command -v swift)")")/lib/clang/$(ls "$(dirname "$(dirname "$(command -v swift)")")/lib/clang" | head -1)/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a"
    if swift build --build-path .build-fuzz --product conduit-fuzz \
        -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
        -Xswiftc -DLIBFUZZER -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld \
        -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ >.build-fuzz/build.log 2>&1; then
        binary="$(swift build --build-path .build-fuzz --show-bin-path)/conduit-fuzz"
        mkdir -p .build-fuzz/corpus
        "$binary" --write-seeds .build-fuzz/corpus >/dev/null
        echo "fuzz: libFuzzer for ${seconds} s"
        set +e
        # Leak checks are off: NIO's and SQLite's thread pools live as long as the process,
        # which LeakSanitizer reports as leaks of whichever input first used them.
        ASAN_OPTIONS=detect_leaks=0 "$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 \
            -artifact_prefix=.build-fuzz/crashes/ -print_final_stats=1 .build-fuzz/corpus 2>&1 | tee .build-fuzz/last-run.log \
            | grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|conduit-fuzz:|==[0-9]+==ERROR|SUMMARY)"
        status=${PIPESTATUS[0]}
        set -e
        crashes=$(find .build-fuzz/crashes -type f -newer .build-fuzz/build.log | wc -l)
        echo "fuzz: libFuzzer exit status ${status}, ${crashes} crashing inputs in .build-fuzz/crashes"
        exit "$status"
    fi
    echo "fuzz: the libFuzzer build failed (see .build-fuzz/build.log); using the seeded engine" >&2
    grep -E "error:" .build-fuzz/build.log | head -5 >&2 || true
fi

# CONDUIT_TRAITS as the test command builds (no rebuild of the app for another set).
swift build --product conduit-fuzz ${CONDUIT_TRAITS:+--traits "$CONDUIT_TRAITS"} >/dev/null
"$(swift build --show-bin-path)/conduit-fuzz" --seconds "$seconds" --crashes .build-fuzz/crashes ${FUZZ_SEED:+--seed "$FUZZ_SEED"}
