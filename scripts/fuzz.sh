#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME (default 10s) each. A crasher is
# written under the package's testdata/fuzz and fails the run; keep it
# there as a regression seed once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-10s}
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz $pkg $target for $t"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$t" "$pkg"
  done
done
