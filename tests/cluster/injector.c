/*
 * A hostile station on the cluster's bridge: a raw AF_PACKET socket on one node's interface,
 * sending what an attacker without the cluster key can send. Every frame goes to the broadcast
 * address with the injector's own source MAC (a spoofed source MAC would re-teach the bridge
 * where a node is, an attack on the bridge rather than on ringcast), so each other node receives
 * each frame once. PACKET_QDISC_BYPASS keeps the frames away from the other packet sockets of
 * this interface (the local ringcastd).
 *
 *   injector IFACE capture MS FILE      keep the ringcast frames heard for MS ms (for replays)
 *   injector IFACE CLASS COUNT [FILE]   send COUNT frames of CLASS; FILE: the captured frames
 *
 * Classes and the drop cause each must end in at a receiver:
 *   random     random bytes, another EtherType                  not_ringcast
 *   truncated  our EtherType, shorter than the ringcast header  truncated
 *   badtag     a well-formed header and body, a random tag       bad_tag
 *   flipped    a captured frame with one bit flipped past the MACs  (any cause but none accepted)
 *   replay     captured frames sent again, unchanged past the MACs  replayed / too_old
 *   impostor   a captured frame re-labelled with another node's id and a fresh nonce  bad_tag
 *   cluster    a captured frame with another cluster id           wrong_cluster
 *   stranger   a captured frame from a node id not in the cluster   unknown_node
 *   flood      COUNT frames cycling random/truncated/badtag/cluster/stranger, sent in batches
 * Prints "sent CLASS N" on stdout. INJECTOR_PPS=N holds the rate to N frames/s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETHERTYPE_RINGCAST 0x88B5
#define HDR 14   /* Ethernet */
#define RC_HDR 48
#define TAG 16
#define MAX_FRAME 1514
#define MAX_CAPTURE 4096

static int sock;
static struct sockaddr_ll to;
static unsigned char own_mac[6];
static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill_random(unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        p[i] = (unsigned char)next_random();
    }
}

static void put32(unsigned char* p, uint32_t v) { v = htonl(v); memcpy(p, &v, 4); }
static uint32_t get32(const unsigned char* p) { uint32_t v; memcpy(&v, p, 4); return ntohl(v); }
static void put64(unsigned char* p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v); }
static uint64_t get64(const unsigned char* p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

static void eth(unsigned char* f, uint16_t type) {
    memset(f, 0xFF, 6);
    memcpy(f + 6, own_mac, 6);
    f[12] = (unsigned char)(type >> 8);
    f[13] = (unsigned char)type;
}

static void send_frame(const unsigned char* f, size_t len) {
    while (sendto(sock, f, len, 0, (const struct sockaddr*)&to, sizeof to) < 0) {
        if (errno != ENOBUFS && errno != EAGAIN && errno != EBUSY) {
            perror("injector: sendto");
            exit(1);
        }
        /* The interface was busy: the frame was not sent, so send it again. */
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

/* Holds the send rate to pps (0: as fast as the kernel takes them), checked every 256 frames:
 * receivers' af_packet rings drop what they cannot hold, and those drops are not ringcast's. */
static void pace(uint64_t sent, uint64_t pps) {
    static struct timespec t0;
    if (pps == 0 || (sent & 255) != 0) {
        return;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (sent == 0) {
        t0 = t;
        return;
    }
    const double due = (double)sent / (double)pps;
    const double el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
    if (due > el) {
        const double d = due - el;
        struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

struct captured {
    unsigned char bytes[MAX_FRAME];
    size_t len;
};
static struct captured* cap;
static size_t ncap;

static void load_capture(const char* path) {
    FILE* f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    cap = calloc(MAX_CAPTURE, sizeof *cap);
    uint32_t len;
    while (ncap < MAX_CAPTURE && fread(&len, 4, 1, f) == 1 && len <= MAX_FRAME &&
           fread(cap[ncap].bytes, 1, len, f) == len) {
        cap[ncap++].len = len;
    }
    fclose(f);
    if (ncap == 0) {
        fprintf(stderr, "injector: no frames in %s\n", path);
        exit(1);
    }
}

/* One frame of a class into f; returns its length. */
static size_t make(const char* cls, unsigned char* f, uint64_t i) {
    if (strcmp(cls, "random") == 0) {
        const size_t len = 14 + next_random() % (MAX_FRAME - 13);
        fill_random(f, len);
        eth(f, 0);
        uint16_t type = (uint16_t)next_random();
        if (type == ETHERTYPE_RINGCAST) {
            type ^= 1;
        }
        f[12] = (unsigned char)(type >> 8);
        f[13] = (unsigned char)type;
        return len;
    }
    if (strcmp(cls, "truncated") == 0) {
        const size_t len = HDR + next_random() % RC_HDR;
        fill_random(f, len);
        eth(f, ETHERTYPE_RINGCAST);
        return len;
    }
    if (strcmp(cls, "badtag") == 0) {
        const uint32_t body = (uint32_t)(next_random() % 512);
        const size_t len = HDR + RC_HDR + body + TAG;
        fill_random(f, len);
        eth(f, ETHERTYPE_RINGCAST);
        unsigned char* h = f + HDR;
        memset(h, 0, RC_HDR);
        h[0] = 0x52, h[1] = 0x43, h[2] = 1, h[3] = 1; /* magic, version, mcast */
        put32(h + 8, 1);                              /* the cluster's id */
        put32(h + 12, 1 + (uint32_t)(i % 3));         /* a member's id */
        put32(h + 16, 1);
        put32(h + 20, 0xFFFFFF00u);                   /* an epoch no one has reached */
        put64(h + 24, 1);
        put64(h + 32, (uint64_t)1 << 40 | i);         /* a fresh nonce */
        put32(h + 40, body);
        return len;
    }
    /* The rest start from a captured frame. */
    const struct captured* c = &cap[i % ncap];
    memcpy(f, c->bytes, c->len);
    eth(f, ETHERTYPE_RINGCAST);
    unsigned char* h = f + HDR;
    if (strcmp(cls, "flipped") == 0) {
        const size_t bit = 12 * 8 + next_random() % ((c->len - 12) * 8);
        f[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    } else if (strcmp(cls, "impostor") == 0) {
        const uint32_t sender = get32(h + 12);
        put32(h + 12, sender % 3 + 1 == sender ? sender % 3 + 2 : sender % 3 + 1);
        put64(h + 32, get64(h + 32) + ((uint64_t)1 << 40) + i);
    } else if (strcmp(cls, "cluster") == 0) {
        put32(h + 8, 2 + (uint32_t)(i % 1000));
    } else if (strcmp(cls, "stranger") == 0) {
        put32(h + 12, 1000 + (uint32_t)(i % 1000));
    } else if (strcmp(cls, "replay") != 0) {
        fprintf(stderr, "injector: unknown class %s\n", cls);
        exit(2);
    }
    return c->len;
}

static void capture(unsigned ms, const char* path) {
    FILE* out = fopen(path, "wb");
    if (out == NULL) {
        perror(path);
        exit(1);
    }
    struct timeval tv = {0, 10000};
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned char f[MAX_FRAME + 64];
    unsigned kept = 0;
    do {
        const ssize_t n = recv(sock, f, sizeof f, 0);
        if (n > HDR + RC_HDR && n <= MAX_FRAME && f[12] == 0x88 && f[13] == 0xB5 &&
            kept < MAX_CAPTURE) {
            const uint32_t len = (uint32_t)n;
            fwrite(&len, 4, 1, out);
            fwrite(f, 1, len, out);
            ++kept;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < (long)ms);
    fclose(out);
    printf("captured %u\n", kept);
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: injector IFACE capture MS FILE | injector IFACE CLASS COUNT [FILE]\n");
        return 2;
    }
    sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (sock < 0) {
        perror("socket");
        return 1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[1]);
    if (ioctl(sock, SIOCGIFINDEX, &ifr) != 0 || (to.sll_ifindex = ifr.ifr_ifindex,
                                                 ioctl(sock, SIOCGIFHWADDR, &ifr) != 0)) {
        perror(argv[1]);
        return 1;
    }
    memcpy(own_mac, ifr.ifr_hwaddr.sa_data, 6);
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ALL);
    to.sll_halen = 6;
    memset(to.sll_addr, 0xFF, 6);
    if (bind(sock, (struct sockaddr*)&to, sizeof to) != 0) {
        perror("bind");
        return 1;
    }
    const int one = 1;
    setsockopt(sock, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    rng ^= (uint64_t)getpid() << 17 ^ (uint64_t)time(NULL);

    if (strcmp(argv[2], "capture") == 0) {
        if (argc < 5) {
            return 2;
        }
        capture((unsigned)atoi(argv[3]), argv[4]);
        return 0;
    }
    const char* cls = argv[2];
    const uint64_t count = strtoull(argv[3], NULL, 10);
    const char* pps_env = getenv("INJECTOR_PPS");
    const uint64_t pps = pps_env != NULL ? strtoull(pps_env, NULL, 10) : 0;
    if (argc > 4) {
        load_capture(argv[4]);
    }
    static const char* flood_mix[] = {"random", "truncated", "badtag", "cluster", "stranger"};
    const int flood = strcmp(cls, "flood") == 0;
    if (flood && ncap == 0) {
        fprintf(stderr, "injector: flood needs a capture file\n");
        return 2;
    }
    uint64_t per[5] = {0};
    unsigned char f[MAX_FRAME + 64];
    for (uint64_t i = 0; i < count; ++i) {
        const char* c = flood ? flood_mix[i % 5] : cls;
        if (!flood && strcmp(c, "random") && strcmp(c, "truncated") && strcmp(c, "badtag") &&
            ncap == 0) {
            fprintf(stderr, "injector: %s needs a capture file\n", c);
            return 2;
        }
        pace(i, pps);
        send_frame(f, make(c, f, i));
        if (flood) {
            ++per[i % 5];
        }
    }
    if (flood) {
        for (int k = 0; k < 5; ++k) {
            printf("sent %s %llu\n", flood_mix[k], (unsigned long long)per[k]);
        }
    } else {
        printf("sent %s %llu\n", cls, (unsigned long long)count);
    }
    return 0;
}
