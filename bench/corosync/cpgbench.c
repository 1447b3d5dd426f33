/*
 * cpgbench: groupbench (groupbench.h) over corosync's CPG, agreed delivery (CPG_TYPE_AGREED).
 * --safe is refused: the comparison with corosync is on agreed delivery only, and a flag that
 * silently measured something else would mislabel a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <corosync/cpg.h>

#include "groupbench.h"

struct cpg_ctx {
    cpg_handle_t handle;
    struct cpg_name group;
    struct gb_run *run;
    int fd;
};

static void on_deliver(cpg_handle_t handle, const struct cpg_name *group, uint32_t nodeid,
                       uint32_t pid, void *msg, size_t len) {
    (void)group;
    (void)nodeid;
    (void)pid;
    struct cpg_ctx *c = NULL;
    if (cpg_context_get(handle, (void **)&c) == CS_OK && c) {
        gb_on_deliver(c->run, msg, len);
    }
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *group,
                       const struct cpg_address *members, size_t nmembers,
                       const struct cpg_address *left, size_t nleft,
                       const struct cpg_address *joined, size_t njoined) {
    (void)group;
    (void)members;
    (void)left;
    (void)nleft;
    (void)joined;
    (void)njoined;
    struct cpg_ctx *c = NULL;
    if (cpg_context_get(handle, (void **)&c) == CS_OK && c) {
        gb_on_view(c->run, nmembers);
    }
}

static void *cpg_open(const struct gb_options *o, struct gb_run *run) {
    if (o->safe) {
        fprintf(stderr, "cpgbench: corosync CPG has agreed delivery only (no --safe)\n");
        return NULL;
    }
    struct cpg_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    c->run = run;
    const size_t n = strlen(o->group);
    if (n == 0 || n >= CPG_MAX_NAME_LENGTH) {
        fprintf(stderr, "cpgbench: group name must be 1..%d bytes\n", CPG_MAX_NAME_LENGTH - 1);
        free(c);
        return NULL;
    }
    c->group.length = (uint32_t)n;
    memcpy(c->group.value, o->group, n);
    cpg_model_v1_data_t model = {.model = CPG_MODEL_V1,
                                 .cpg_deliver_fn = on_deliver,
                                 .cpg_confchg_fn = on_confchg};
    cs_error_t rc = cpg_model_initialize(&c->handle, CPG_MODEL_V1, (cpg_model_data_t *)&model, c);
    if (rc != CS_OK) {
        fprintf(stderr, "cpgbench: cpg_model_initialize: error %d (is corosync running here?)\n", rc);
        free(c);
        return NULL;
    }
    while ((rc = cpg_join(c->handle, &c->group)) == CS_ERR_TRY_AGAIN) {
        (void)cpg_dispatch(c->handle, CS_DISPATCH_ALL);
    }
    if (rc != CS_OK || cpg_fd_get(c->handle, &c->fd) != CS_OK) {
        fprintf(stderr, "cpgbench: cpg_join '%s': error %d\n", o->group, rc);
        cpg_finalize(c->handle);
        free(c);
        return NULL;
    }
    return c;
}

static enum gb_send_result cpg_send(void *ctx, const void *buf, size_t len) {
    struct cpg_ctx *c = ctx;
    struct iovec iov = {(void *)buf, len};
    const cs_error_t rc = cpg_mcast_joined(c->handle, CPG_TYPE_AGREED, &iov, 1);
    if (rc == CS_OK) {
        return GB_SENT;
    }
    if (rc == CS_ERR_TRY_AGAIN) {
        return GB_BUSY;
    }
    fprintf(stderr, "cpgbench: cpg_mcast_joined: error %d\n", rc);
    return GB_FAILED;
}

static int cpg_fd(void *ctx) { return ((struct cpg_ctx *)ctx)->fd; }

static int cpg_dispatch_all(void *ctx) {
    const cs_error_t rc = cpg_dispatch(((struct cpg_ctx *)ctx)->handle, CS_DISPATCH_ALL);
    if (rc == CS_OK || rc == CS_ERR_TRY_AGAIN) {
        return 0;
    }
    fprintf(stderr, "cpgbench: cpg_dispatch: error %d\n", rc);
    return -1;
}

static void cpg_close(void *ctx) {
    struct cpg_ctx *c = ctx;
    (void)cpg_leave(c->handle, &c->group);
    cpg_finalize(c->handle);
    free(c);
}

int main(int argc, char **argv) {
    const struct gb_backend b = {"corosync", cpg_open, cpg_send, cpg_fd, cpg_dispatch_all, cpg_close};
    return gb_main(argc, argv, &b);
}
