/*
 * A load client of the cluster fault suite, on libringcast's C API: it joins one group, sends
 * paced messages that name themselves (node, incarnation, index), and logs every submission,
 * delivery, group view and daemon configuration with CLOCK_MONOTONIC nanoseconds, one line each,
 * for tests/cluster/evs_check (whose header describes the line format).
 *
 *   logclient SOCKET GROUP LOGFILE --node N --inc K [--rate MSGS_PER_S] [--size-max B]
 *             [--expect MEMBERS] [--stall-after DELIVERIES]
 *
 * SIGUSR1 stops sending; SIGTERM/SIGINT ends it (the log says "E exit"). A daemon that goes away
 * ends it too ("E gone ..."). With --expect it sends only once the group has that many members,
 * so a first generation of clients all see the same stream from its first message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ringcast.h"
#include "payload.h"

static volatile sig_atomic_t stop_sending;
static volatile sig_atomic_t quit;

static void on_usr1(int sig) { (void)sig; stop_sending = 1; }
static void on_term(int sig) { (void)sig; quit = 1; }

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct state {
    FILE* log;
    uint32_t node;
    size_t members;
    uint64_t delivered;
    uint64_t foreign; /* deliveries that are not logclient payloads */
};

static void on_deliver(void* ctx, const ringcast_message* m) {
    struct state* s = ctx;
    struct payload_id id;
    const uint64_t t = now_ns();
    ++s->delivered;
    if (!payload_parse(m->data, m->len, &id)) {
        /* Not ours: logged with what the checker needs to call it created. */
        ++s->foreign;
        fprintf(s->log, "D %llu %u 0 0 %zu %016llx %d %llu\n", (unsigned long long)t,
                m->sender.node, m->len, (unsigned long long)payload_hash(m->data, m->len),
                (int)m->service, (unsigned long long)m->seq);
        return;
    }
    fprintf(s->log, "D %llu %u %u %u %zu %016llx %d %llu\n", (unsigned long long)t, id.node,
            id.inc, id.index, m->len, (unsigned long long)payload_hash(m->data, m->len),
            (int)m->service, (unsigned long long)m->seq);
}

static void on_view(void* ctx, const ringcast_view* v) {
    struct state* s = ctx;
    static const char* reasons[] = {"?", "join", "leave", "process_gone", "node_down", "sync"};
    const unsigned r = (unsigned)v->reason < 6 ? (unsigned)v->reason : 0;
    s->members = v->member_count;
    fprintf(s->log, "V %llu %s %zu\n", (unsigned long long)now_ns(), reasons[r], v->member_count);
}

static void on_config(void* ctx, const ringcast_configuration* c) {
    struct state* s = ctx;
    fprintf(s->log, "C %llu %c %d %u %llu", (unsigned long long)now_ns(),
            c->kind == RINGCAST_CONFIG_REGULAR ? 'R' : 'T', c->attach, c->ring_rep,
            (unsigned long long)c->ring_seq);
    for (size_t i = 0; i < c->member_count; ++i) {
        fprintf(s->log, "%c%u", i == 0 ? ' ' : ',', c->members[i]);
    }
    fputc('\n', s->log);
}

static void usage(void) {
    fprintf(stderr, "usage: logclient SOCKET GROUP LOGFILE --node N --inc K [--rate R] "
                    "[--size-max B] [--expect M] [--stall-after D]\n");
    exit(2);
}

int main(int argc, char** argv) {
    if (argc < 4) {
        usage();
    }
    const char* sock = argv[1];
    const char* group = argv[2];
    uint32_t node = 0, inc = 0;
    double rate = 2000;
    size_t size_max = 1024, expect = 0;
    uint64_t stall_after = 0;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--node") == 0) node = (uint32_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--inc") == 0) inc = (uint32_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rate") == 0) rate = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--size-max") == 0) size_max = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--expect") == 0) expect = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--stall-after") == 0) stall_after = (uint64_t)atoll(argv[i + 1]);
        else usage();
    }
    if (node == 0 || size_max < PAYLOAD_MIN || size_max > PAYLOAD_MAX) {
        usage();
    }
    struct state s = {0};
    s.node = node;
    s.log = fopen(argv[3], "w");
    if (s.log == NULL) {
        perror(argv[3]);
        return 1;
    }
    setvbuf(s.log, NULL, _IOFBF, 1 << 20);
    signal(SIGUSR1, on_usr1);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);

    const ringcast_callbacks cb = {on_deliver, on_view, &s};
    ringcast_handle* h = NULL;
    int rc = ringcast_connect(sock, &cb, &h);
    if (rc != RINGCAST_OK) {
        fprintf(stderr, "logclient: connect %s: %s\n", sock, ringcast_strerror(rc));
        return 1;
    }
    if ((rc = ringcast_watch_configurations(h, on_config)) != RINGCAST_OK ||
        (rc = ringcast_join(h, group)) != RINGCAST_OK) {
        fprintf(stderr, "logclient: %s\n", ringcast_strerror(rc));
        return 1;
    }
    fprintf(s.log, "A %llu %u %u %u %d\n", (unsigned long long)now_ns(), node, inc,
            ringcast_local_client_id(h), (int)getpid());
    fflush(s.log);

    unsigned char buf[PAYLOAD_MAX];
    uint32_t next = 0;
    uint64_t t0 = now_ns();
    const char* end = "exit";
    while (!quit) {
        if (stall_after != 0 && s.delivered >= stall_after) {
            /* A consumer that stopped reading: the daemon's slow-consumer policy is under test. */
            poll(NULL, 0, 50);
            continue;
        }
        rc = ringcast_dispatch(h, RINGCAST_DISPATCH_ALL);
        if (rc < 0) {
            end = "gone";
            break;
        }
        const int ready = !stop_sending && (expect == 0 || s.members >= expect);
        if (ready) {
            if (expect != 0) {
                expect = 0; /* once: later views may shrink under faults */
                t0 = now_ns();
            }
            /* Paced by the clock, not by sleeps: a late wake-up sends the backlog at once. */
            const uint64_t due = (uint64_t)((double)(now_ns() - t0) * rate / 1e9);
            while (next < due && !quit) {
                const size_t len = payload_len(node, inc, next, size_max);
                payload_fill(buf, len, node, inc, next);
                const uint64_t t = now_ns();
                rc = ringcast_mcast(h, group, RINGCAST_AGREED, buf, len);
                if (rc == RINGCAST_EAGAIN) {
                    break;
                }
                if (rc != RINGCAST_OK) {
                    end = "gone";
                    quit = 1;
                    break;
                }
                fprintf(s.log, "S %llu %u %zu\n", (unsigned long long)t, next, len);
                ++next;
            }
        }
        struct pollfd p = {ringcast_fd(h), POLLIN, 0};
        (void)poll(&p, 1, 10);
    }
    if (strcmp(end, "gone") == 0) {
        fprintf(s.log, "E %llu gone %s\n", (unsigned long long)now_ns(), ringcast_last_error(h));
    } else {
        fprintf(s.log, "E %llu exit\n", (unsigned long long)now_ns());
    }
    fclose(s.log);
    ringcast_disconnect(h);
    fprintf(stderr, "logclient node %u inc %u: sent %u, delivered %llu (%llu foreign), %s\n", node,
            inc, next, (unsigned long long)s.delivered, (unsigned long long)s.foreign, end);
    return 0;
}
