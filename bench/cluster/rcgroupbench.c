/*
 * rcgroupbench: groupbench (bench/corosync/groupbench.h) over libringcast, so ringcast's
 * shared-memory client path is measured by the very loop that measures corosync's CPG. (`ringcast
 * bench` has no fixed-rate mode and no stream digest, which the side-by-side table needs.)
 */
#include <stdio.h>
#include <stdlib.h>

#include <ringcast.h>

#include "groupbench.h"

struct rc_ctx {
    ringcast_handle *h;
    const char *group;
    ringcast_service service;
    struct gb_run *run;
};

static void on_message(void *ctx, const ringcast_message *m) {
    gb_on_deliver(((struct rc_ctx *)ctx)->run, m->data, m->len);
}

static void on_view(void *ctx, const ringcast_view *v) {
    gb_on_view(((struct rc_ctx *)ctx)->run, v->member_count);
}

static void *rc_open(const struct gb_options *o, struct gb_run *run) {
    struct rc_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    c->group = o->group;
    c->service = o->safe ? RINGCAST_SAFE : RINGCAST_AGREED;
    c->run = run;
    const ringcast_callbacks cb = {on_message, on_view, c};
    int rc = ringcast_connect(o->socket, &cb, &c->h);
    if (rc != RINGCAST_OK) {
        fprintf(stderr, "rcgroupbench: connect %s: %s\n", o->socket ? o->socket : "(default socket)",
                ringcast_strerror(rc));
        free(c);
        return NULL;
    }
    while ((rc = ringcast_join(c->h, o->group)) == RINGCAST_EAGAIN) {
        (void)ringcast_dispatch(c->h, RINGCAST_DISPATCH_ALL);
    }
    if (rc != RINGCAST_OK) {
        fprintf(stderr, "rcgroupbench: join '%s': %s\n", o->group, ringcast_strerror(rc));
        ringcast_disconnect(c->h);
        free(c);
        return NULL;
    }
    return c;
}

static enum gb_send_result rc_send(void *ctx, const void *buf, size_t len) {
    struct rc_ctx *c = ctx;
    const int rc = ringcast_mcast(c->h, c->group, c->service, buf, len);
    if (rc == RINGCAST_OK) {
        return GB_SENT;
    }
    if (rc == RINGCAST_EAGAIN) {
        return GB_BUSY;
    }
    fprintf(stderr, "rcgroupbench: mcast: %s (%s)\n", ringcast_strerror(rc), ringcast_last_error(c->h));
    return GB_FAILED;
}

static int rc_fd(void *ctx) { return ringcast_fd(((struct rc_ctx *)ctx)->h); }

static int rc_dispatch(void *ctx) {
    struct rc_ctx *c = ctx;
    const int n = ringcast_dispatch(c->h, RINGCAST_DISPATCH_ALL);
    if (n < 0) {
        fprintf(stderr, "rcgroupbench: dispatch: %s\n", ringcast_last_error(c->h));
    }
    return n < 0 ? -1 : 0;
}

static void rc_close(void *ctx) {
    struct rc_ctx *c = ctx;
    ringcast_disconnect(c->h);
    free(c);
}

int main(int argc, char **argv) {
    const struct gb_backend b = {"ringcast", rc_open, rc_send, rc_fd, rc_dispatch, rc_close};
    return gb_main(argc, argv, &b);
}
