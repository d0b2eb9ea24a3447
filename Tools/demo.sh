#!/usr/bin/env bash
# The demo behind `make demo`: runs a realistic scenario on an embedded store
# and prints each command before running it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release
STORE=${DEMO_STORE:-/tmp/licheng-demo-store}
rm -rf "$STORE" "$STORE-backup"
echo "== The storage layer on its own: append, read, verify, back up =="
"$BIN/logdemo" demo "$STORE"
