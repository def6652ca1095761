// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0-only)
/*
 * What sock-lb.c and sock-destroy.c share: a backend's address and the reverse-NAT map, pinned by
 * name, so both objects must declare it alike (the sweep reuses the socket load balancer's map).
 *
 *   mm_revnat     socket cookie, backend  ->  the virtual IP and port it replaced
 *
 * Include after the kernel's types (linux/bpf.h or vmlinux.h) and bpf_helpers.h.
 */
#ifndef MM_SOCK_LB_REVNAT_H
#define MM_SOCK_LB_REVNAT_H

struct backend {
	__u32 ip;
	__u16 port;
	/* mm_backends: BACKEND_LOCAL for a backend on this node (the socket programs ignore it) */
	__u16 pad;
};

#define BACKEND_LOCAL 1

struct revnat_key {
	__u64 cookie;
	__u32 ip;
	__u16 port;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct revnat_key);
	__type(value, struct backend);
} mm_revnat SEC(".maps");

#endif
