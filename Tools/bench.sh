#!/usr/bin/env bash
# `make bench` / `make bench-full`: Licheng vs SQLite on the same generated event stream.
#   Tools/bench.sh SIZE...    SIZE: school (~104k events), mid (~1M), national (>=10M, ~6 min to generate)
# Generated source stores are kept in $BENCH_DIR (default /tmp/licheng-bench) and reused while the
# generator arguments are unchanged; delete the directory to regenerate. BENCH_RUNS (default 5)
# and BENCH_REPLAY_RUNS (default 3) set the repetitions; BENCH_BIN runs binaries copied elsewhere. The tables go to stdout and to
# $BENCH_DIR/results.md (or $BENCH_RESULTS).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BENCH_BIN:-$PWD/.build/release}
DIR=${BENCH_DIR:-/tmp/licheng-bench}
RUNS=${BENCH_RUNS:-5}
REPLAY_RUNS=${BENCH_REPLAY_RUNS:-3}
mkdir -p "$DIR"
RESULTS=${BENCH_RESULTS:-$DIR/results.md}
: > "$RESULTS"
for size in "$@"; do
  case "$size" in
    school)   gen=(--students 1500 --classes 45) ;;
    mid)      gen=(--students 15000 --classes 450) ;;
    national) gen=(--students 100000 --classes 3000 --years 2) ;;
    *) echo "unknown size '$size' (school, mid, national)" >&2; exit 2 ;;
  esac
  src="$DIR/$size"
  if [ "$(cat "$src/args" 2>/dev/null)" != "${gen[*]}" ] || [ ! -f "$src/store/STORE" ] || ! grep -q '^summary:' "$src/gen.out" 2>/dev/null; then
    echo "== generating the $size store: generate ${gen[*]}" >&2
    rm -rf "$src"; mkdir -p "$src"
    "$BIN/generate" --store "$src/store" "${gen[@]}" --print-facts > "$src/gen.out"
    echo "${gen[*]}" > "$src/args"
  fi
  grep '^summary:' "$src/gen.out" >&2
  "$BIN/bench" compare --source "$src/store" --facts "$src/gen.out" --work "$DIR/work-$size" \
    --runs "$RUNS" --replay-runs "$REPLAY_RUNS" --out "$RESULTS" \
    --title "$size: generate ${gen[*]} ($(grep -o 'events=[0-9]*' "$src/gen.out" | head -1 | cut -d= -f2) events)"
  rm -rf "$DIR/work-$size"
done
echo "Tables written to $RESULTS" >&2
