#!/bin/sh
# ringcast send/recv/bench against loopback_hubd: two receivers get the stream the sender sent
# (equal digests), bench prints its figures, errors are one line with a non-zero exit.
# usage: cli_test.sh RINGCAST LOOPBACK_HUBD
set -eu
ringcast=$1
hubd=$2
dir=$(mktemp -d)
sock=$dir/hub.sock
cleanup() { kill "$hub_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
"$hubd" "$sock" > "$dir/hubd.log" 2>&1 &
hub_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

n=20000
"$ringcast" recv g --count $n --digest --timeout 30 -s "$sock" > "$dir/r1" &
r1=$!
"$ringcast" recv g --count $n --digest --timeout 30 -s "$sock" > "$dir/r2" &
r2=$!
# Both joins ordered before the first message.
for _ in $(seq 200); do
    grep -q joined "$dir/r1" 2>/dev/null && grep -q joined "$dir/r2" 2>/dev/null && break
    sleep 0.05
done
"$ringcast" send g --count $n --size 9000 --mixed -s "$sock" > "$dir/s"
wait $r1 $r2
cat "$dir/s" "$dir/r1" "$dir/r2"
want=$(sed 's/.*digest //' "$dir/s")
for f in r1 r2; do
    got=$(tail -n 1 "$dir/$f" | sed 's/.*digest //')
    [ "$got" = "$want" ] || { echo "FAIL: $f digest $got != $want"; exit 1; }
done

"$ringcast" bench g --count 200000 --size 64 -s "$sock"

# errors: one line, non-zero
if "$ringcast" send g -s "$dir/nope.sock" 2> "$dir/err"; then echo "FAIL: no error"; exit 1; fi
[ "$(wc -l < "$dir/err")" -eq 1 ] || { echo "FAIL: error not one line"; cat "$dir/err"; exit 1; }
cat "$dir/err"
"$ringcast" send --help > /dev/null
"$ringcast" recv --help > /dev/null
"$ringcast" bench --help > /dev/null
echo "cli_test: ok"
