/*
 * A userspace hub that impairs the link the way tc netem would: this kernel has no netem (nor any
 * queueing discipline or nftables verdict that delays or queues a frame), so the lossy scenario
 * takes the bridge ports off the bridge and lets this process forward between them instead.
 *
 *   impairhub PORT,PORT,... [--loss PCT] [--dup PCT] [--delay-us D] [--jitter-us J]
 *                           [--reorder PCT] [--seed S]
 *
 * Every frame heard on a port goes to every other port (or, once its destination MAC has been
 * seen as a source, to that port only), and each copy independently is lost with --loss, sent
 * twice with --dup, sent at once with --reorder (netem's reorder: it overtakes the delayed ones),
 * else held for D +- J us (uniform). Frames held past one another leave out of order. Runs until
 * SIGTERM/SIGINT, then prints one JSON line: frames in, copies out, lost, duplicated, reordered
 * (a copy sent after a copy that arrived later on the same port), and how late the hub itself was.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 16
#define SLOT 2048        /* frames of an MTU 1500 link; longer ones are forwarded undelayed */
#define MAX_HELD 32768
#define MACS 64

struct held {
    uint64_t due_ns;
    uint64_t arrival;    /* the frame's index on arrival, for counting reorders */
    int port;
    uint16_t len;
    unsigned char bytes[SLOT];
};

static struct held* slots;
static int heap[MAX_HELD]; /* indexes into slots, a min-heap on due_ns */
static int nheld;
static int free_list[MAX_HELD];
static int nfree;

static int nports;
static int fd[MAX_PORTS];
static char name[MAX_PORTS][IF_NAMESIZE];
static uint64_t last_arrival_out[MAX_PORTS];
static struct { unsigned char mac[6]; int port; } macs[MACS];
static int nmacs;

static double loss_p, dup_p, reorder_p;
static uint64_t delay_ns, jitter_ns;
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static volatile sig_atomic_t stop;
static struct {
    uint64_t in, out, lost, duplicated, reordered, overflow, oversize, send_errors;
    uint64_t late_max_ns, late_sum_ns, late_n;
} st;

static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static double uniform(void) { return (double)(next_random() >> 11) / 9007199254740992.0; }

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void heap_swap(int a, int b) { int t = heap[a]; heap[a] = heap[b]; heap[b] = t; }
static uint64_t due(int h) { return slots[heap[h]].due_ns; }

static void heap_push(int s) {
    int i = nheld++;
    heap[i] = s;
    while (i > 0 && due((i - 1) / 2) > due(i)) {
        heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static int heap_pop(void) {
    const int top = heap[0];
    heap[0] = heap[--nheld];
    for (int i = 0;;) {
        int m = i;
        const int l = 2 * i + 1, r = l + 1;
        if (l < nheld && due(l) < due(m)) m = l;
        if (r < nheld && due(r) < due(m)) m = r;
        if (m == i) break;
        heap_swap(i, m);
        i = m;
    }
    return top;
}

static void transmit(int port, const unsigned char* f, size_t len, uint64_t arrival) {
    if (send(fd[port], f, len, 0) < 0) {
        ++st.send_errors; /* the peer's queue is full: a loss the kernel would also cause */
        return;
    }
    ++st.out;
    if (arrival < last_arrival_out[port]) {
        ++st.reordered;
    } else {
        last_arrival_out[port] = arrival;
    }
}

static void hold(int port, const unsigned char* f, size_t len, uint64_t arrival, uint64_t t) {
    if (nfree == 0) {
        ++st.overflow;
        return;
    }
    const int s = free_list[--nfree];
    struct held* h = &slots[s];
    const double spread = jitter_ns > 0 ? (2.0 * uniform() - 1.0) * (double)jitter_ns : 0.0;
    const double d = (double)delay_ns + spread;
    h->due_ns = t + (d > 0 ? (uint64_t)d : 0);
    h->arrival = arrival;
    h->port = port;
    h->len = (uint16_t)len;
    memcpy(h->bytes, f, len);
    heap_push(s);
}

/* One copy of a frame towards one port, through the impairments. */
static void impair(int port, const unsigned char* f, size_t len, uint64_t arrival, uint64_t t) {
    if (uniform() < loss_p) {
        ++st.lost;
        return;
    }
    const int copies = uniform() < dup_p ? 2 : 1;
    st.duplicated += (uint64_t)(copies - 1);
    for (int c = 0; c < copies; ++c) {
        if (len > SLOT || uniform() < reorder_p || (delay_ns == 0 && jitter_ns == 0)) {
            if (len > SLOT) ++st.oversize;
            transmit(port, f, len, arrival);
        } else {
            hold(port, f, len, arrival, t);
        }
    }
}

static int port_of_mac(const unsigned char* mac) {
    for (int i = 0; i < nmacs; ++i) {
        if (memcmp(macs[i].mac, mac, 6) == 0) return macs[i].port;
    }
    return -1;
}

static void learn(const unsigned char* mac, int port) {
    if (mac[0] & 1) return; /* a group address is no station's */
    for (int i = 0; i < nmacs; ++i) {
        if (memcmp(macs[i].mac, mac, 6) == 0) {
            macs[i].port = port;
            return;
        }
    }
    if (nmacs < MACS) {
        memcpy(macs[nmacs].mac, mac, 6);
        macs[nmacs++].port = port;
    }
}

static void forward(int from, const unsigned char* f, size_t len, uint64_t t) {
    const uint64_t arrival = ++st.in;
    learn(f + 6, from);
    const int to = (f[0] & 1) ? -1 : port_of_mac(f);
    for (int p = 0; p < nports; ++p) {
        if (p != from && (to < 0 || p == to)) impair(p, f, len, arrival, t);
    }
}

static void release_due(uint64_t t) {
    while (nheld > 0 && due(0) <= t) {
        const int s = heap_pop();
        const struct held* h = &slots[s];
        const uint64_t late = t - h->due_ns;
        if (late > st.late_max_ns) st.late_max_ns = late;
        st.late_sum_ns += late;
        ++st.late_n;
        transmit(h->port, h->bytes, h->len, h->arrival);
        free_list[nfree++] = s;
    }
}

static int open_port(const char* ifname) {
    const unsigned idx = if_nametoindex(ifname);
    if (idx == 0) {
        fprintf(stderr, "impairhub: no interface %s\n", ifname);
        exit(2);
    }
    const int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
    if (s < 0) {
        perror("impairhub: socket");
        exit(1);
    }
    /* Our own sends on this port must not come back to us as arrivals. */
    const int one = 1;
    if (setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) {
        perror("impairhub: PACKET_IGNORE_OUTGOING");
        exit(1);
    }
    const int rcvbuf = 8 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_ll a = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)idx};
    if (bind(s, (struct sockaddr*)&a, sizeof a) < 0) {
        perror("impairhub: bind");
        exit(1);
    }
    return s;
}

static double percent(const char* arg, const char* what) {
    char* end;
    const double v = strtod(arg, &end);
    if (*end != '\0' || v < 0 || v > 100) {
        fprintf(stderr, "impairhub: %s must be a percentage 0..100, not '%s'\n", what, arg);
        exit(2);
    }
    return v / 100.0;
}

static uint64_t micros(const char* arg, const char* what) {
    char* end;
    const unsigned long long v = strtoull(arg, &end, 10);
    if (*end != '\0' || v > 1000000) {
        fprintf(stderr, "impairhub: %s must be 0..1000000 us, not '%s'\n", what, arg);
        exit(2);
    }
    return (uint64_t)v * 1000;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static void parse(int argc, char** argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: impairhub PORT,PORT,... [--loss PCT] [--dup PCT] [--delay-us D]"
                        " [--jitter-us J] [--reorder PCT] [--seed S]\n");
        exit(argc < 2 ? 2 : 0);
    }
    char* list = strdup(argv[1]);
    for (char* tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
        if (nports == MAX_PORTS || strlen(tok) >= IF_NAMESIZE) {
            fprintf(stderr, "impairhub: at most %d ports of valid interface names\n", MAX_PORTS);
            exit(2);
        }
        strcpy(name[nports++], tok);
    }
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "impairhub: %s needs a value\n", argv[i]);
            exit(2);
        }
        const char* v = argv[i + 1];
        if (strcmp(argv[i], "--loss") == 0) loss_p = percent(v, "--loss");
        else if (strcmp(argv[i], "--dup") == 0) dup_p = percent(v, "--dup");
        else if (strcmp(argv[i], "--reorder") == 0) reorder_p = percent(v, "--reorder");
        else if (strcmp(argv[i], "--delay-us") == 0) delay_ns = micros(v, "--delay-us");
        else if (strcmp(argv[i], "--jitter-us") == 0) jitter_ns = micros(v, "--jitter-us");
        else if (strcmp(argv[i], "--seed") == 0) rng = strtoull(v, NULL, 0) | 1;
        else {
            fprintf(stderr, "impairhub: unknown option %s (see --help)\n", argv[i]);
            exit(2);
        }
    }
    if (nports < 2) {
        fprintf(stderr, "impairhub: a hub needs at least two ports\n");
        exit(2);
    }
    if (jitter_ns > delay_ns) {
        fprintf(stderr, "impairhub: --jitter-us must not exceed --delay-us (a frame cannot leave before it came)\n");
        exit(2);
    }
}

int main(int argc, char** argv) {
    parse(argc, argv);
    slots = calloc(MAX_HELD, sizeof *slots);
    if (slots == NULL) {
        perror("impairhub: calloc");
        return 1;
    }
    for (int i = 0; i < MAX_HELD; ++i) free_list[nfree++] = MAX_HELD - 1 - i;
    struct pollfd pfd[MAX_PORTS];
    for (int p = 0; p < nports; ++p) {
        fd[p] = open_port(name[p]);
        pfd[p] = (struct pollfd){.fd = fd[p], .events = POLLIN};
    }
    /* Microsecond delays: the default 50 us timer slack would be most of the jitter. */
    prctl(PR_SET_TIMERSLACK, 1UL);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    fprintf(stderr, "impairhub: %d ports, loss %.1f%% dup %.1f%% delay %llu+-%llu us reorder %.1f%%\n",
            nports, loss_p * 100, dup_p * 100, (unsigned long long)(delay_ns / 1000),
            (unsigned long long)(jitter_ns / 1000), reorder_p * 100);
    static unsigned char frame[65536];
    while (!stop) {
        uint64_t t = now_ns();
        release_due(t);
        struct timespec wait = {0, 100 * 1000 * 1000};
        if (nheld > 0) {
            const uint64_t d = due(0) > t ? due(0) - t : 0;
            wait = (struct timespec){(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
        }
        if (ppoll(pfd, (nfds_t)nports, &wait, NULL) < 0 && errno != EINTR) {
            perror("impairhub: ppoll");
            return 1;
        }
        for (int p = 0; p < nports; ++p) {
            if (!(pfd[p].revents & POLLIN)) continue;
            for (int k = 0; k < 64; ++k) {
                const ssize_t n = recv(fd[p], frame, sizeof frame, 0);
                if (n < 0) break;
                if (n >= 14) forward(p, frame, (size_t)n, now_ns());
            }
        }
    }
    while (nheld > 0) { /* what is held still goes out, in order: stopping is not a loss */
        const int s = heap_pop();
        transmit(slots[s].port, slots[s].bytes, slots[s].len, slots[s].arrival);
    }
    printf("{\"in\": %llu, \"out\": %llu, \"lost\": %llu, \"duplicated\": %llu, \"reordered\": %llu, "
           "\"overflow\": %llu, \"oversize\": %llu, \"send_errors\": %llu, \"late_max_us\": %.1f, "
           "\"late_mean_us\": %.1f}\n",
           (unsigned long long)st.in, (unsigned long long)st.out, (unsigned long long)st.lost,
           (unsigned long long)st.duplicated, (unsigned long long)st.reordered,
           (unsigned long long)st.overflow, (unsigned long long)st.oversize,
           (unsigned long long)st.send_errors, (double)st.late_max_ns / 1000.0,
           st.late_n ? (double)st.late_sum_ns / (double)st.late_n / 1000.0 : 0.0);
    return 0;
}
