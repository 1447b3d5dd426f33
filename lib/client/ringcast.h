/*
 * libringcast: the C API of a ringcast node's local clients.
 *
 * A client connects to its node's ringcastd over a Unix socket; the daemon checks the peer's
 * uid/gid and hands over two shared-memory rings (submit and delivery). From then on joins,
 * leaves, messages and view changes travel through shared memory, in the total order of the
 * cluster's ring: every member of a group, on every node, sees the same messages and the same
 * view changes in the same order (virtual synchrony, as corosync's CPG).
 *
 * Thread context: a handle is not thread-safe; use it from one thread (or lock around it).
 * Errors are negative values (errno-like); ringcast_strerror names them.
 */
#ifndef RINGCAST_H
#define RINGCAST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RINGCAST_BUILDING)
#define RINGCAST_API __attribute__((visibility("default")))
#else
#define RINGCAST_API
#endif

/** Results. RINGCAST_OK is 0; every error is negative. */
enum ringcast_result {
    RINGCAST_OK = 0,
    RINGCAST_ENOENT = -2,         /**< leave of a group this handle has not joined */
    RINGCAST_EAGAIN = -11,        /**< submit ring full: wait on ringcast_fd(), then retry */
    RINGCAST_ENOMEM = -12,        /**< out of memory (or the daemon could not map rings) */
    RINGCAST_EACCES = -13,        /**< the daemon refused this uid/gid */
    RINGCAST_EBUSY = -16,         /**< the daemon has no free client slot */
    RINGCAST_EEXIST = -17,        /**< join of a group this handle already joined */
    RINGCAST_EINVAL = -22,        /**< bad argument (group name: 1..64 bytes, no control chars) */
    RINGCAST_EPROTO = -71,        /**< the daemon spoke a different protocol or layout version */
    RINGCAST_EMSGSIZE = -90,      /**< message over the daemon's max message size */
    RINGCAST_ENOTCONN = -107,     /**< disconnected (see ringcast_last_error) */
    RINGCAST_ECONNREFUSED = -111, /**< no daemon listening on the socket */
    RINGCAST_EDQUOT = -122,       /**< over the daemon's max groups per client */
};

/** Delivery service. Agreed: total order. Safe: total order, delivered once every node has it. */
typedef enum ringcast_service { RINGCAST_AGREED = 0, RINGCAST_SAFE = 1 } ringcast_service;

/** Why a view changed. */
typedef enum ringcast_reason {
    RINGCAST_REASON_JOIN = 1,
    RINGCAST_REASON_LEAVE = 2,
    RINGCAST_REASON_PROCESS_GONE = 3, /**< the member's process exited, was killed or dropped */
    RINGCAST_REASON_NODE_DOWN = 4,    /**< the member's node left the cluster */
    RINGCAST_REASON_SYNC = 5,         /**< nodes (re)joined the ring and the group's members were
                                           reconciled with theirs: any of joined and left */
} ringcast_reason;

/** A group member: node id, pid, and the daemon's id for its connection. */
typedef struct ringcast_member {
    uint32_t node;
    uint32_t pid;
    uint32_t client;
} ringcast_member;

/** A delivered message. Pointers are valid during the callback only. */
typedef struct ringcast_message {
    const char* group;        /**< NUL-terminated group name */
    ringcast_member sender;
    const void* data;
    size_t len;
    uint64_t seq;             /**< ring sequence number of the message */
    ringcast_service service;
} ringcast_message;

/** A view change of a group this handle is in (or just left). Valid during the callback only. */
typedef struct ringcast_view {
    const char* group;
    ringcast_reason reason;
    const ringcast_member* members; /**< after the change, sorted by (node, pid, client) */
    size_t member_count;
    const ringcast_member* joined;
    size_t joined_count;
    const ringcast_member* left;
    size_t left_count;
} ringcast_view;

typedef struct ringcast_callbacks {
    void (*deliver)(void* ctx, const ringcast_message* msg); /**< may be NULL */
    void (*view)(void* ctx, const ringcast_view* view);      /**< may be NULL */
    void* ctx;
} ringcast_callbacks;

typedef struct ringcast_handle ringcast_handle;

/** ringcast_dispatch flags. */
#define RINGCAST_DISPATCH_ONE 1u      /**< at most one record */
#define RINGCAST_DISPATCH_ALL 2u      /**< everything available now */
#define RINGCAST_DISPATCH_BLOCKING 4u /**< wait for at least one record (or disconnection) */

/**
 * Connects to the daemon listening on socket_path (NULL: $RINGCAST_SOCKET, else
 * /run/ringcast/ringcast.sock).
 * @param cb copied; callbacks run inside ringcast_dispatch only
 * @param[out] out the new handle
 * @return RINGCAST_OK; RINGCAST_ECONNREFUSED (no daemon); RINGCAST_EACCES (uid/gid refused);
 *         RINGCAST_EBUSY; RINGCAST_EPROTO (version mismatch, bad layout); RINGCAST_ENOMEM
 */
RINGCAST_API int ringcast_connect(const char* socket_path, const ringcast_callbacks* cb,
                                  ringcast_handle** out);

/** Closes the handle: the daemon sees the socket close and makes it leave every group. */
RINGCAST_API void ringcast_disconnect(ringcast_handle* h);

/**
 * Joins a group. The join is ordered like a message: the view callback reports it when it is
 * delivered (with the members at that point).
 * @return RINGCAST_OK; RINGCAST_EINVAL (name); RINGCAST_EEXIST; RINGCAST_EDQUOT; RINGCAST_EAGAIN;
 *         RINGCAST_ENOTCONN
 */
RINGCAST_API int ringcast_join(ringcast_handle* h, const char* group);

/** Leaves a group (ordered like a message). @return as ringcast_join, or RINGCAST_ENOENT. */
RINGCAST_API int ringcast_leave(ringcast_handle* h, const char* group);

/**
 * Multicasts len bytes to every member of group (the sender too, if it joined). The bytes are
 * copied into shared memory before it returns.
 * @return RINGCAST_OK; RINGCAST_EAGAIN (submit ring full: nothing sent; wait until
 *         ringcast_fd() is readable and retry); RINGCAST_EMSGSIZE; RINGCAST_EINVAL; RINGCAST_ENOTCONN
 */
RINGCAST_API int ringcast_mcast(ringcast_handle* h, const char* group, ringcast_service service,
                                const void* data, size_t len);

/**
 * A file descriptor that becomes readable when ringcast_dispatch has work, after
 * ringcast_mcast returned RINGCAST_EAGAIN (room again), or when the daemon goes away. It is armed
 * by a dispatch that found nothing or an mcast that returned RINGCAST_EAGAIN. Do not read it.
 */
RINGCAST_API int ringcast_fd(const ringcast_handle* h);

/**
 * Runs the callbacks for delivered records.
 * @param flags RINGCAST_DISPATCH_ONE or _ALL, optionally | RINGCAST_DISPATCH_BLOCKING
 * @return records dispatched (>= 0), or RINGCAST_ENOTCONN / RINGCAST_EPROTO
 */
RINGCAST_API int ringcast_dispatch(ringcast_handle* h, unsigned flags);

/** This node's id. */
RINGCAST_API uint32_t ringcast_local_node_id(const ringcast_handle* h);

/** This connection's client id (as in ringcast_member::client). */
RINGCAST_API uint32_t ringcast_local_client_id(const ringcast_handle* h);

/**
 * The members of a group this handle is in, as of the last view dispatched.
 * @param out room for cap members; @param[out] count members in the view (may exceed cap)
 * @return RINGCAST_OK or RINGCAST_ENOENT (not in the group, or its view not yet dispatched)
 */
RINGCAST_API int ringcast_members(const ringcast_handle* h, const char* group, ringcast_member* out,
                                  size_t cap, size_t* count);

/** A configuration of this node's ring: the daemon-level membership under the process groups. */
typedef enum ringcast_config_kind {
    RINGCAST_CONFIG_TRANSITIONAL = 1, /**< the members that move on together while the ring
                                           re-forms; what follows it was ordered on the old ring */
    RINGCAST_CONFIG_REGULAR = 2,      /**< a new ring: what follows it is ordered on this ring */
} ringcast_config_kind;

typedef struct ringcast_configuration {
    ringcast_config_kind kind;
    /** 1: not a change but the configuration the node was in when watching began (what was
     *  delivered in it before is not known to this handle); 0: a change, in delivery order */
    int attach;
    uint32_t ring_rep;       /**< ring id: representative node */
    uint64_t ring_seq;       /**< ring id: sequence (never goes backwards on a node) */
    const uint32_t* members; /**< node ids, ascending; valid during the callback only */
    size_t member_count;
} ringcast_configuration;

typedef void (*ringcast_configuration_fn)(void* ctx, const ringcast_configuration* config);

/**
 * Asks the daemon for its configuration changes, delivered through ringcast_dispatch in the
 * total order with the messages and views (fn gets the ctx of ringcast_callbacks). The first is
 * an attach record; every change after it comes at the point of the delivery stream where the
 * daemon installed it, so a message's configuration is the last one reported before it.
 * Call it before joining a group. An older ringcastd ignores the request (no records come).
 * @return RINGCAST_OK; RINGCAST_EINVAL (NULL handle or fn); RINGCAST_ENOTCONN
 */
RINGCAST_API int ringcast_watch_configurations(ringcast_handle* h, ringcast_configuration_fn fn);

/** Why the handle was disconnected ("" while connected). */
RINGCAST_API const char* ringcast_last_error(const ringcast_handle* h);

/** Static text for a result code. */
RINGCAST_API const char* ringcast_strerror(int result);

#ifdef __cplusplus
}
#endif

#endif /* RINGCAST_H */
