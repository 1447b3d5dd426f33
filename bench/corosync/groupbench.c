/*
 * The shared benchmark loop (groupbench.h). Every message carries a small header, so the checks
 * need nothing from the backend: the sender's random id (self-delivery is "my id"), a per-sender
 * sequence number (gaps and reordering show as seq_errors) and the send time on CLOCK_MONOTONIC,
 * which every network namespace of one host shares, so latency is valid across nodes here.
 */
#define _GNU_SOURCE
#include "groupbench.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define GB_MAGIC 0x47424e31u /* "GBN1" */
#define GB_DATA 0u
#define GB_END 1u
#define GB_MAX_SENDERS 64
/* Latency samples are kept in 32-bit ns (4.29 s is far beyond anything measured here). */
#define GB_MAX_SAMPLES (16u << 20)

struct gb_header {
    uint32_t magic;
    uint32_t kind;
    uint64_t sender;
    uint64_t seq; /* GB_END: how many data messages the sender sent */
    uint64_t sent_ns;
};

struct gb_sender {
    uint64_t id;
    uint64_t next_seq;
    int ended;
};

struct gb_samples {
    uint32_t *v;
    size_t n, cap;
    int truncated;
};

struct gb_run {
    const struct gb_options *o;
    uint64_t self;
    size_t members;
    unsigned views;
    int started;
    unsigned views_during_run;
    struct gb_sender senders[GB_MAX_SENDERS];
    unsigned nsenders;
    unsigned ends;
    uint64_t delivered, delivered_bytes, seq_errors, missing, foreign;
    uint64_t first_ns, last_ns;
    uint64_t digest;
    struct gb_samples lat_self, lat_all;
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mix(uint64_t h, uint64_t w) {
    h ^= w;
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

/* The delivered stream's digest: equal on every node exactly when the streams are equal. */
static uint64_t digest_message(uint64_t h, const unsigned char *p, size_t len) {
    h = mix(h, len);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix(h, w);
    }
    uint64_t tail = 0;
    memcpy(&tail, p + i, len - i);
    return mix(h, tail);
}

static void sample(struct gb_samples *s, uint64_t ns) {
    if (s->n == s->cap) {
        if (s->cap >= GB_MAX_SAMPLES) {
            s->truncated = 1;
            return;
        }
        size_t cap = s->cap ? s->cap * 2 : 65536;
        uint32_t *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->truncated = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static struct gb_sender *sender_of(struct gb_run *r, uint64_t id) {
    for (unsigned i = 0; i < r->nsenders; ++i) {
        if (r->senders[i].id == id) {
            return &r->senders[i];
        }
    }
    if (r->nsenders == GB_MAX_SENDERS) {
        return NULL;
    }
    struct gb_sender *s = &r->senders[r->nsenders++];
    s->id = id;
    return s;
}

void gb_on_deliver(struct gb_run *r, const void *data, size_t len) {
    const uint64_t t = now_ns();
    struct gb_header h;
    if (len < sizeof h) {
        ++r->foreign;
        return;
    }
    memcpy(&h, data, sizeof h);
    if (h.magic != GB_MAGIC) {
        ++r->foreign;
        return;
    }
    r->digest = digest_message(r->digest, data, len);
    struct gb_sender *s = sender_of(r, h.sender);
    if (!s) {
        ++r->foreign;
        return;
    }
    if (h.kind == GB_END) {
        if (!s->ended) {
            s->ended = 1;
            ++r->ends;
            if (h.seq != s->next_seq) {
                r->missing += h.seq > s->next_seq ? h.seq - s->next_seq : 0;
            }
        }
        return;
    }
    if (h.seq != s->next_seq) {
        ++r->seq_errors;
    }
    s->next_seq = h.seq + 1;
    ++r->delivered;
    r->delivered_bytes += len;
    if (!r->first_ns) {
        r->first_ns = t;
    }
    r->last_ns = t;
    const uint64_t lat = t > h.sent_ns ? t - h.sent_ns : 0;
    sample(&r->lat_all, lat);
    if (h.sender == r->self) {
        sample(&r->lat_self, lat);
    }
}

void gb_on_view(struct gb_run *r, size_t member_count) {
    r->members = member_count;
    ++r->views;
    /* Once every END is in, members leaving are the other clients finishing, not a fault. */
    if (r->started && r->ends < r->o->senders) {
        ++r->views_during_run;
    }
}

static int cmp_u32(const void *a, const void *b) {
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static double pct_us(const struct gb_samples *s, double p) {
    if (s->n == 0) {
        return -1;
    }
    return s->v[(size_t)(p * (double)(s->n - 1))] / 1000.0;
}

static void print_latency(const char *name, struct gb_samples *s) {
    qsort(s->v, s->n, sizeof *s->v, cmp_u32);
    printf("\"%s\":{\"n\":%zu,\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"truncated\":%s}", name,
           s->n, pct_us(s, 0.5), pct_us(s, 0.99), pct_us(s, 0.999), pct_us(s, 1.0),
           s->truncated ? "true" : "false");
}

/* A CDF of at most 1000 points ("microseconds fraction"), enough for a plot. */
static void write_cdf(const char *path, const struct gb_samples *s) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "groupbench: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    const size_t points = s->n < 1000 ? s->n : 1000;
    for (size_t i = 1; i <= points; ++i) {
        const size_t k = (size_t)((double)i / (double)points * (double)(s->n - 1));
        fprintf(f, "%.1f %.4f\n", s->v[k] / 1000.0, (double)(k + 1) / (double)s->n);
    }
    fclose(f);
}

static int usage(const char *prog) {
    fprintf(stderr,
            "usage: %s [--group G] [--size B] [--seconds S] [--rate N] [--send] [--senders K]\n"
            "          [--members N] [--safe] [--socket PATH] [--end-timeout S] [--latency-out FILE]\n"
            "          [--label NAME]\n"
            "Joins G, waits for N members, multicasts B-byte messages for S seconds (at N msgs/s, or\n"
            "as fast as flow control allows), waits for K senders' end markers, prints one JSON line.\n",
            prog);
    return 2;
}

static int parse(int argc, char **argv, struct gb_options *o) {
    static const struct option opts[] = {
        {"group", required_argument, 0, 'g'},   {"size", required_argument, 0, 'b'},
        {"seconds", required_argument, 0, 't'}, {"rate", required_argument, 0, 'r'},
        {"send", no_argument, 0, 's'},          {"senders", required_argument, 0, 'k'},
        {"members", required_argument, 0, 'n'}, {"safe", no_argument, 0, 'S'},
        {"socket", required_argument, 0, 'p'},  {"end-timeout", required_argument, 0, 'e'},
        {"latency-out", required_argument, 0, 'l'}, {"label", required_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    *o = (struct gb_options){.group = "groupbench", .size = 64, .seconds = 5, .senders = 1,
                             .members = 1, .end_timeout = 30, .label = ""};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'g': o->group = optarg; break;
        case 'b': o->size = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 't': o->seconds = strtod(optarg, NULL); break;
        case 'r': o->rate = strtod(optarg, NULL); break;
        case 's': o->send = 1; break;
        case 'k': o->senders = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'n': o->members = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'S': o->safe = 1; break;
        case 'p': o->socket = optarg; break;
        case 'e': o->end_timeout = strtod(optarg, NULL); break;
        case 'l': o->latency_out = optarg; break;
        case 'L': o->label = optarg; break;
        default: return -1;
        }
    }
    if (optind != argc || o->size < sizeof(struct gb_header) || o->size > (1u << 20) ||
        o->seconds <= 0 || o->rate < 0 || o->members < 1 || o->senders > GB_MAX_SENDERS) {
        return -1;
    }
    return 0;
}

/* Waits up to timeout_ns for the backend's fd, then dispatches; < 0 when the connection is lost. */
static int pump(const struct gb_backend *b, void *ctx, uint64_t timeout_ns) {
    if (timeout_ns) {
        struct pollfd p = {b->fd(ctx), POLLIN, 0};
        const struct timespec ts = {(time_t)(timeout_ns / 1000000000u), (long)(timeout_ns % 1000000000u)};
        if (ppoll(&p, 1, &ts, NULL) < 0 && errno != EINTR) {
            return -1;
        }
    }
    return b->dispatch(ctx);
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

int gb_main(int argc, char **argv, const struct gb_backend *b) {
    struct gb_options o;
    if (parse(argc, argv, &o) != 0) {
        return usage(argv[0]);
    }
    struct gb_run r = {.o = &o, .digest = 0xcbf29ce484222325ull};
    if (getrandom(&r.self, sizeof r.self, 0) != sizeof r.self) {
        r.self = now_ns() ^ ((uint64_t)getpid() << 32);
    }
    void *ctx = b->open(&o, &r);
    if (!ctx) {
        return 1;
    }
    int status = 0;
    const uint64_t join_deadline = now_ns() + 60ull * 1000000000u;
    while (r.members < o.members) {
        if (pump(b, ctx, 10000000u) < 0 || now_ns() > join_deadline) {
            fprintf(stderr, "%s: group '%s' has %zu of %u members; giving up\n", b->name, o.group,
                    r.members, o.members);
            b->close(ctx);
            return 1;
        }
    }
    unsigned char *buf = malloc(o.size);
    if (!buf) {
        b->close(ctx);
        return 1;
    }
    for (uint32_t i = 0; i < o.size; ++i) {
        buf[i] = (unsigned char)(i * 131u + 7u);
    }
    struct gb_header h = {GB_MAGIC, GB_DATA, r.self, 0, 0};
    r.started = 1;
    const double cpu0 = cpu_seconds();
    const uint64_t t0 = now_ns();
    const uint64_t t_stop = t0 + (uint64_t)(o.seconds * 1e9);
    const uint64_t period = o.rate > 0 ? (uint64_t)(1e9 / o.rate) : 0;
    uint64_t next_due = t0, busy = 0, sent = 0;
    int sending = o.send, end_sent = !o.send;
    for (;;) {
        const uint64_t now = now_ns();
        if (sending && now >= t_stop) {
            sending = 0;
        }
        if (sending && now >= next_due) {
            h.seq = sent;
            h.sent_ns = now_ns();
            memcpy(buf, &h, sizeof h);
            const enum gb_send_result rc = b->send(ctx, buf, o.size);
            if (rc == GB_FAILED) {
                status = 1;
                break;
            }
            if (rc == GB_SENT) {
                ++sent;
                /* A paced sender that fell behind does not burst to catch up. */
                next_due = period ? (next_due + period > now ? next_due + period : now) : now;
                if ((sent & 15) == 0 && b->dispatch(ctx) < 0) {
                    status = 1;
                    break;
                }
                continue;
            }
            ++busy; /* flow control: let deliveries drain the queue, then retry */
            if (pump(b, ctx, 1000000u) < 0) {
                status = 1;
                break;
            }
            continue;
        }
        if (!sending && !end_sent) {
            const struct gb_header e = {GB_MAGIC, GB_END, r.self, sent, now_ns()};
            memcpy(buf, &e, sizeof e);
            const enum gb_send_result rc = b->send(ctx, buf, o.size);
            if (rc == GB_FAILED) {
                status = 1;
                break;
            }
            end_sent = rc == GB_SENT;
        }
        if (end_sent && !sending && r.ends >= o.senders) {
            break;
        }
        if (!sending && now > t_stop + (uint64_t)(o.end_timeout * 1e9)) {
            fprintf(stderr, "%s: only %u of %u senders finished within %.0f s\n", b->name, r.ends,
                    o.senders, o.end_timeout);
            status = 3;
            break;
        }
        uint64_t wait = sending ? (next_due > now ? next_due - now : 0) : 100000000u;
        if (wait > 100000000u) {
            wait = 100000000u;
        }
        if (pump(b, ctx, wait) < 0) {
            status = 1;
            break;
        }
    }
    const uint64_t t_end = now_ns();
    const double cpu = cpu_seconds() - cpu0;
    b->close(ctx);
    const double span = r.last_ns > r.first_ns ? (double)(r.last_ns - r.first_ns) / 1e9 : 0;
    const double send_span = (double)((t_stop < t_end ? t_stop : t_end) - t0) / 1e9;
    printf("{\"system\":\"%s\",\"label\":\"%s\",\"size\":%u,\"service\":\"%s\",\"rate_offered\":%.0f,"
           "\"sent\":%llu,\"sent_per_s\":%.0f,\"busy\":%llu,\"delivered\":%llu,\"delivered_bytes\":%llu,"
           "\"seconds\":%.3f,\"msgs_per_s\":%.0f,\"MB_per_s\":%.2f,\"senders_seen\":%u,\"ends\":%u,"
           "\"seq_errors\":%llu,\"missing\":%llu,\"foreign\":%llu,\"views_during_run\":%u,"
           "\"digest\":\"%016llx\",\"client_cpu_s\":%.3f,",
           b->name, o.label, o.size, o.safe ? "safe" : "agreed", o.send ? o.rate : 0,
           (unsigned long long)sent, o.send && send_span > 0 ? (double)sent / send_span : 0,
           (unsigned long long)busy, (unsigned long long)r.delivered,
           (unsigned long long)r.delivered_bytes, span, span > 0 ? (double)r.delivered / span : 0,
           span > 0 ? (double)r.delivered_bytes / span / 1e6 : 0, r.nsenders, r.ends,
           (unsigned long long)r.seq_errors, (unsigned long long)r.missing,
           (unsigned long long)r.foreign, r.views_during_run, (unsigned long long)r.digest, cpu);
    print_latency("lat_self_us", &r.lat_self);
    putchar(',');
    print_latency("lat_all_us", &r.lat_all);
    printf(",\"status\":%d}\n", status);
    fflush(stdout);
    if (o.latency_out && r.lat_self.n > 0) {
        write_cdf(o.latency_out, &r.lat_self);
    }
    free(buf);
    free(r.lat_self.v);
    free(r.lat_all.v);
    return status;
}
