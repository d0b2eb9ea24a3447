#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with libFuzzer (bundled with the Swift toolchain).
#   Tools/fuzz.sh TARGET [SECONDS]      targets: event stored csv args segment
# Builds Tools/fuzz with -sanitize=fuzzer into .build/fuzz, starts from
# Fixtures/fuzz/TARGET/seeds plus a working corpus in .build/fuzz-corpus/TARGET, and
# writes any crashing input to Fixtures/fuzz/TARGET/crashers/ — commit it: `make test`
# replays every saved input (FuzzTests.savedFuzzInputsNeverTrap).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Tools/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
swift build -c release --product fuzz --build-path .build/fuzz \
    -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >&2  # gold crashes linking libFuzzer
corpus=.build/fuzz-corpus/$target
mkdir -p "$corpus" "Fixtures/fuzz/$target/crashers"
.build/fuzz/release/fuzz run "$target" "$corpus" "Fixtures/fuzz/$target/seeds" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="Fixtures/fuzz/$target/crashers/" -print_final_stats=1
