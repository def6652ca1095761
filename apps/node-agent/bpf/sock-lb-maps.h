// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0-only)
/*
 * The maps the node agent writes, shared by the socket programs (sock-lb.c) and the north-south
 * programs (nodeport-lb.c), pinned by name so both objects use the same ones; and the ClientIP
 * affinity map both keep:
 *
 *   mm_frontends  IP, port, protocol, scope  ->  backend set, backend count, flags, affinity timeout
 *   mm_backends   backend set, slot          ->  backend IP, port
 *   mm_affinity   client, backend set        ->  the backend chosen last and when
 *
 * IPs and ports are in network byte order; the other fields in the host's.
 * Include after linux/bpf.h and bpf_helpers.h.
 */
#ifndef MM_SOCK_LB_MAPS_H
#define MM_SOCK_LB_MAPS_H

#include "sock-lb-revnat.h"

#define MM_SCOPE_SOCKET 0
#define MM_SCOPE_NORTH_SOUTH 1

/* frontend flags */
#define MM_AFFINITY 1
#define MM_DROP 2
/* north-south: keep the client's address (externalTrafficPolicy Local; every backend is local) */
#define MM_KEEP_SOURCE 4

struct frontend_key {
	__u32 ip;
	__u16 port;
	__u8 proto;
	/* MM_SCOPE_SOCKET: a connect()/sendmsg() destination (sock-lb.c); MM_SCOPE_NORTH_SOUTH: a
	 * packet arriving at the node from outside (nodeport-lb.c) */
	__u8 scope;
};

struct frontend {
	__u32 set;
	__u16 count;
	__u16 flags;
	__u32 affinity_seconds;
};

struct backend_key {
	__u32 set;
	__u32 slot;
};

struct affinity_key {
	__u64 netns;
	__u32 set;
	__u32 pad;
};

struct affinity {
	__u64 at_ns;
	__u32 slot;
	struct backend backend;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct frontend_key);
	__type(value, struct frontend);
} mm_frontends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1048576);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct backend_key);
	__type(value, struct backend);
} mm_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct affinity_key);
	__type(value, struct affinity);
} mm_affinity SEC(".maps");

/* The backend remembered in `memo` if it is still in its slot and younger than max_ns. */
static __always_inline struct backend *remembered(struct frontend *fe, struct affinity *memo, __u64 now, __u64 max_ns)
{
	struct backend_key bkey = { .set = fe->set, .slot = memo->slot };
	struct backend *be;

	if (memo->slot >= fe->count || now - memo->at_ns > max_ns)
		return 0;
	be = bpf_map_lookup_elem(&mm_backends, &bkey);
	if (!be || be->ip != memo->backend.ip || be->port != memo->backend.port)
		return 0;
	memo->at_ns = now;
	return be;
}

#endif
