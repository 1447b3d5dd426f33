/*
 * The payload of a logclient message, shared by the client (C) and evs_check (C++): a 16-byte
 * id {magic, node, incarnation, index} then bytes that follow from the id alone, so the checker
 * can rebuild what was sent from the log line that names it, and a delivery's hash tells whether
 * the bytes arrived intact. Host order: both ends run on this machine.
 */
#ifndef RINGCAST_TESTS_CLUSTER_PAYLOAD_H
#define RINGCAST_TESTS_CLUSTER_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PAYLOAD_MAGIC 0x474c4352u /* "RCLG" */
#define PAYLOAD_MIN 16u
#define PAYLOAD_MAX 65536u

struct payload_id {
    uint32_t node;
    uint32_t inc;
    uint32_t index;
};

static inline uint64_t payload_mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t payload_seed(uint32_t node, uint32_t inc, uint32_t index) {
    return payload_mix(((uint64_t)node << 48) ^ ((uint64_t)inc << 32) ^ index);
}

/* Sizes spread over [16, size_max], most small: the ring packs some, fragments others. */
static inline size_t payload_len(uint32_t node, uint32_t inc, uint32_t index, size_t size_max) {
    const uint64_t r = payload_seed(node, inc, index);
    const size_t span = size_max - PAYLOAD_MIN + 1;
    const size_t cap = (r & 7) == 0 ? span : (span < 256 ? span : 256);
    return PAYLOAD_MIN + (size_t)((r >> 8) % cap);
}

static inline void payload_fill(unsigned char* out, size_t len, uint32_t node, uint32_t inc,
                                uint32_t index) {
    const uint32_t head[4] = {PAYLOAD_MAGIC, node, inc, index};
    memcpy(out, head, sizeof head);
    uint64_t x = payload_seed(node, inc, index);
    for (size_t i = PAYLOAD_MIN; i < len; ++i) {
        if ((i & 7) == 0) {
            x = payload_mix(x);
        }
        out[i] = (unsigned char)(x >> (8 * (i & 7)));
    }
}

static inline int payload_parse(const void* data, size_t len, struct payload_id* id) {
    uint32_t head[4];
    if (len < PAYLOAD_MIN) {
        return 0;
    }
    memcpy(head, data, sizeof head);
    if (head[0] != PAYLOAD_MAGIC) {
        return 0;
    }
    id->node = head[1];
    id->inc = head[2];
    id->index = head[3];
    return 1;
}

/* FNV-1a, 64 bit: enough to tell a corrupted payload from the one its id names. */
static inline uint64_t payload_hash(const void* data, size_t len) {
    const unsigned char* p = (const unsigned char*)data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; ++i) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

#endif
