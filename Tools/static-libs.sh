#!/usr/bin/env bash
# Makes the release build link Debian's static archives of liblz4, libxxhash, libcrypto,
# libstdc++ (and, for the benchmark, libsqlite3) instead of their shared libraries (`make release`). Binding and relocating those
# shared libraries at every start cost ~2 ms of a ~16 ms national-size CLI command.
#
# Writes to DIR (default .build/static-libs), for each library whose .a exists:
#   lib<name>.pc  a pkg-config file whose Libs point the linker at DIR (PKG_CONFIG_PATH=DIR
#                 makes SwiftPM's systemLibrary targets use it instead of Debian's .pc), and
#   lib<name>.so  a linker script, INPUT(<the .a>), that `-l<name>` then finds first.
# A library without an archive is left out and stays dynamic. Prints DIR.
set -euo pipefail
dir=${1:-.build/static-libs}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir"/*.pc "$dir"/*.so
# The C compiler that knows where the archives are: gcc, or the clang shipped with Swift.
cc=$(command -v gcc || command -v clang || true)
[ -n "$cc" ] || { echo "$dir"; exit 0; }
for name in lz4 xxhash crypto stdc++ sqlite3; do
  archive=$("$cc" -print-file-name="lib$name.a")
  [ -f "$archive" ] || continue
  echo "INPUT($archive)" > "$dir/lib$name.so"
  case "$name" in
    stdc++) continue ;;                 # asked for by the Swift driver, not through pkg-config
    sqlite3) pc="$dir/sqlite3.pc" ;;    # the pkg-config name SwiftPM asks for
    *) pc="$dir/lib$name.pc" ;;
  esac
  printf 'Name: lib%s (static)\nDescription: %s, linked statically\nVersion: 0\nLibs: -L%s -l%s\nCflags:\n' \
    "$name" "$archive" "$dir" "$name" > "$pc"
done
echo "$dir"
