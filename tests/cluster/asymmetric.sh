#!/usr/bin/env bash
# Asymmetric link: node 1 hears node 2, node 2 does not hear node 1 (an nftables rule on the
# bridge drops node 1's frames on their way out to node 2's port). The rule (docs/design.md,
# "One-way links"): the node that cannot be heard ends on a ring of its own, the others on one
# ring, and the rings then leave each other be: probes after holds of 0.25, 0.5, 1, 2 s ... and
# not a re-form every merge period (50 ms here). Then the link heals and all four merge.
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-800}
cluster up 4 >/dev/null
start_clients "1 2 3 4"
sleep 1
t0=$(wall_ns)
ip netns exec "$brns" nft -f - <<'NFT'
table bridge oneway {
  chain forward { type filter hook forward priority 0;
    oifname "p2" ether saddr 02:52:43:00:00:01 counter drop
  }
}
NFT
wait_members "1" && wait_members "2 3 4" || {
    cluster status >&2
    fail "no settled split {1} | {2,3,4}"
}
t1=$(status 2 | field last_ring_change_unix_ns)
say "one-way cut -> {1} | {2,3,4}: $(( (t1 - t0) / 1000000 )) ms"
c0=$(status 2 | field ring_changes)
sleep 4
c1=$(status 2 | field ring_changes)
m=$(status 2 | field members)
say "ring changes on node 2 in the 4 s after settling: $((c1 - c0)) (members now [$m])"
# Doubling holds allow a handful of probes in 4 s; a re-form every 50 ms merge period would be ~80.
[ $((c1 - c0)) -le 8 ] || fail "the ring did not settle: $((c1 - c0)) ring changes in 4 s"
clean=$(mono_ns)
t0=$(wall_ns)
ip netns exec "$brns" nft delete table bridge oneway
wait_members "1 2 3 4" 120 || fail "no ring of all four within 12 s of the heal"
t1=$(status 1 | field last_ring_change_unix_ns)
say "heal -> one ring: $(( (t1 - t0) / 1000000 )) ms"
sleep 1
finish_clients "1 2 3 4"
check_logs "1 2 3 4" --clean-since "$clean" --bound-ms 15000
say "ok"
