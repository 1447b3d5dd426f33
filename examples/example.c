/* ringcast example: join a group, send one message, print what the group delivers.
 * Build against an installed libringcast:  cc example.c $(pkg-config --cflags --libs libringcast)
 * Run:  ./example [GROUP]   (the daemon socket comes from $RINGCAST_SOCKET) */
/* 8< example */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <ringcast/ringcast.h>

static void on_message(void* ctx, const ringcast_message* m) {
    (void)ctx;
    printf("%s: %zu bytes from node %u pid %u: %.*s\n", m->group, m->len, m->sender.node,
           m->sender.pid, (int)m->len, (const char*)m->data);
}

static void on_view(void* ctx, const ringcast_view* v) {
    (void)ctx;
    printf("%s: view of %zu members (+%zu -%zu, reason %d)\n", v->group, v->member_count,
           v->joined_count, v->left_count, (int)v->reason);
}

int main(int argc, char** argv) {
    const char* group = argc > 1 ? argv[1] : "example";
    ringcast_callbacks cb = {on_message, on_view, NULL};
    ringcast_handle* h = NULL;
    int rc = ringcast_connect(NULL, &cb, &h);
    if (rc != RINGCAST_OK) {
        fprintf(stderr, "example: connect: %s\n", ringcast_strerror(rc));
        return 1;
    }
    if ((rc = ringcast_join(h, group)) != RINGCAST_OK) {
        fprintf(stderr, "example: join: %s\n", ringcast_strerror(rc));
        ringcast_disconnect(h);
        return 1;
    }
    const char hello[] = "hello, group";
    while ((rc = ringcast_mcast(h, group, RINGCAST_AGREED, hello, strlen(hello))) ==
           RINGCAST_EAGAIN) {
        struct pollfd p = {ringcast_fd(h), POLLIN, 0}; /* room in the submit ring again */
        poll(&p, 1, -1);
    }
    /* Our join's view, then our own message, in the group's total order. */
    for (int seen = 0; seen < 2 && rc == RINGCAST_OK;) {
        const int n = ringcast_dispatch(h, RINGCAST_DISPATCH_ALL | RINGCAST_DISPATCH_BLOCKING);
        if (n < 0) {
            fprintf(stderr, "example: %s\n", ringcast_last_error(h));
            rc = n;
        }
        seen += n > 0 ? n : 0;
    }
    ringcast_disconnect(h);
    return rc == RINGCAST_OK ? 0 : 1;
}
/* >8 example */
