#!/usr/bin/env bash
# The test command: installs the real mail peers when it can (root on
# Debian), checks formatting and vet (and staticcheck when installed), then
# runs every test with the race detector. Tests that need a peer or the
# shared corpus skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/sbin:$(go env GOPATH)/bin
if [ "${CASEMAIL_SKIP_PEERS:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  ./scripts/install-test-peers.sh
fi
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
if command -v staticcheck >/dev/null; then staticcheck ./...; else echo "staticcheck not installed: skipped (go install honnef.co/go/tools/cmd/staticcheck@v0.8.2)"; fi
go test -race -count=1 "$@" ./...
