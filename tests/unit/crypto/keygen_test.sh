#!/bin/sh
# Runs the real `ringcast keygen` binary: creates a 48-byte key with mode 0600, refuses to
# overwrite without --force, replaces with --force, and reports errors as one "ringcast: " line.
set -eu
bin="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" --help >/dev/null || fail "--help"
"$bin" keygen --help >/dev/null || fail "keygen --help"

umask 022
"$bin" keygen "$dir/k" || fail "keygen"
[ "$(stat -c %a "$dir/k")" = 600 ] || fail "mode $(stat -c %a "$dir/k")"
[ "$(stat -c %s "$dir/k")" = 48 ] || fail "size"
before=$(od -An -tx1 "$dir/k")

if "$bin" keygen "$dir/k" 2>"$dir/err"; then fail "overwrote without --force"; fi
[ "$(wc -l <"$dir/err")" = 1 ] || fail "error is not one line: $(cat "$dir/err")"
grep -q '^ringcast: ' "$dir/err" || fail "error prefix: $(cat "$dir/err")"
[ "$(od -An -tx1 "$dir/k")" = "$before" ] || fail "key changed"

"$bin" keygen --force "$dir/k" || fail "--force"
[ "$(od -An -tx1 "$dir/k")" != "$before" ] || fail "--force kept the old key"
[ "$(stat -c %a "$dir/k")" = 600 ] || fail "mode after --force"

if "$bin" keygen "$dir/missing/k" 2>"$dir/err"; then fail "wrote into a missing directory"; fi
grep -q '^ringcast: ' "$dir/err" || fail "error prefix: $(cat "$dir/err")"
if "$bin" 2>/dev/null; then fail "no subcommand accepted"; fi
if "$bin" bogus 2>/dev/null; then fail "unknown subcommand accepted"; fi
echo ok
