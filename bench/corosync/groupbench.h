/*
 * groupbench: one benchmark loop for any process-group system with agreed multicast (corosync's
 * CPG, ringcast's libringcast). The loop, the payload, the checks and the JSON are shared so the
 * two systems are measured by the same code; a backend only connects, joins, sends and
 * dispatches.
 */
#ifndef GROUPBENCH_H
#define GROUPBENCH_H

#include <stddef.h>
#include <stdint.h>

struct gb_run; /* the core's state; backends hand it back through gb_on_* */

struct gb_options {
    const char *group;
    const char *socket;   /* ringcast's client socket; CPG ignores it */
    int safe;             /* safe delivery instead of agreed (backends may refuse) */
    uint32_t size;
    double seconds;
    double rate;          /* messages/s from this process; 0 = as fast as flow control allows */
    int send;             /* this process sends */
    unsigned senders;     /* END markers to wait for before stopping */
    unsigned members;     /* group size to wait for before sending */
    double end_timeout;   /* seconds to wait for the other senders' END markers */
    const char *latency_out;
    const char *label;
};

enum gb_send_result { GB_SENT = 0, GB_BUSY = 1, GB_FAILED = -1 };

struct gb_backend {
    const char *name;
    /* Connects and joins opts->group; returns a context or NULL (after printing why). */
    void *(*open)(const struct gb_options *opts, struct gb_run *run);
    enum gb_send_result (*send)(void *ctx, const void *buf, size_t len);
    int (*fd)(void *ctx);
    /* Runs callbacks for everything pending without blocking; < 0 on a lost connection. */
    int (*dispatch)(void *ctx);
    void (*close)(void *ctx);
};

/* Called by backends from inside dispatch. */
void gb_on_deliver(struct gb_run *run, const void *data, size_t len);
void gb_on_view(struct gb_run *run, size_t member_count);

/* Parses the common options, runs, prints one JSON line on stdout; returns the exit status. */
int gb_main(int argc, char **argv, const struct gb_backend *backend);

#endif
