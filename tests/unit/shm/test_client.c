/* A libringcast client in C for the hub test: joins a group, says "ready <client id>" on stdout
 * once its join is delivered, then dispatches until killed. Also proves the header is C. */
#include <stdio.h>
#include <stdlib.h>

#include "ringcast.h"

static int joined = 0;
static ringcast_handle* handle = NULL;

static void on_view(void* ctx, const ringcast_view* v) {
    (void)ctx;
    const ringcast_handle* h = handle;
    for (size_t i = 0; i < v->joined_count; ++i) {
        if (v->joined[i].client == ringcast_local_client_id(h)) {
            joined = 1;
        }
    }
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_client SOCKET GROUP\n");
        return 2;
    }
    ringcast_callbacks cb = {NULL, on_view, NULL};
    ringcast_handle* h = NULL;
    int rc = ringcast_connect(argv[1], &cb, &h);
    if (rc != RINGCAST_OK) {
        fprintf(stderr, "test_client: connect: %s\n", ringcast_strerror(rc));
        return 1;
    }
    handle = h;
    if (ringcast_join(h, argv[2]) != RINGCAST_OK) {
        fprintf(stderr, "test_client: join failed\n");
        return 1;
    }
    while (!joined) {
        if (ringcast_dispatch(h, RINGCAST_DISPATCH_ALL | RINGCAST_DISPATCH_BLOCKING) < 0) {
            return 1;
        }
    }
    printf("ready %u\n", ringcast_local_client_id(h));
    fflush(stdout);
    for (;;) {
        if (ringcast_dispatch(h, RINGCAST_DISPATCH_ALL | RINGCAST_DISPATCH_BLOCKING) < 0) {
            return 1;
        }
    }
}
