// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0-only)
/*
 * minimesh socket-level load balancing: the backend of a Service is chosen once, in the
 * connect()/sendmsg() system call, so the connection goes straight to the pod (no per-packet NAT,
 * no conntrack entry for the virtual IP). The node agent writes two maps (sock-lb-maps.h, shared
 * with the north-south programs of nodeport-lb.c; here the frontends of MM_SCOPE_SOCKET):
 *
 *   mm_frontends  virtual IP, port, protocol  ->  backend set, backend count, flags, affinity timeout
 *   mm_backends   backend set, slot            ->  backend IP, port
 *
 * and the programs keep three LRU maps of their own:
 *
 *   mm_affinity   network namespace, backend set  ->  the backend chosen last and when (ClientIP
 *                 affinity: every pod has its own network namespace, so the namespace is the client)
 *   mm_revnat     socket, backend                 ->  the virtual IP and port it replaced (what
 *                 recvmsg() and getpeername() report, so applications still see the Service)
 *   mm_udp_flows  network namespace, source port, virtual IP and port  ->  the backend chosen and
 *                 when: UDP datagrams from one source port to a Service keep their backend, as
 *                 conntrack keeps a UDP flow's (also across sockets and processes using that
 *                 port), until 30 s without one or the backend leaving
 *
 * A frontend with no backends refuses the connect() at once (ECONNREFUSED, as kube-proxy's REJECT
 * rule does); with MM_DROP (internal traffic policy Local, no local endpoint) it fails as a dropped
 * packet would, with ETIMEDOUT, without the wait.
 *
 * IPv6 sockets connecting to IPv4-mapped addresses (::ffff:a.b.c.d, what dual-stack runtimes such
 * as Java's and Node's use for IPv4) are balanced the same way by the *6 programs.
 *
 * IPs and ports are in network byte order; the other fields in the host's.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ECONNREFUSED 111
#define ETIMEDOUT 110

#include "sock-lb-maps.h"

/* conntrack's nf_conntrack_udp_timeout */
#define UDP_FLOW_NS (30ULL * 1000000000ULL)

struct udp_flow_key {
	__u64 netns;
	__u32 ip;
	__u16 port;
	__u16 src_port;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct udp_flow_key);
	__type(value, struct affinity);
} mm_udp_flows SEC(".maps");

/* The frontend of a destination, or 0 when it is no Service's. */
static __always_inline struct frontend *frontend_of(__u32 ip, __u32 port, __u32 proto)
{
	struct frontend_key key = { .ip = ip, .port = (__u16)port, .proto = (__u8)proto, .scope = MM_SCOPE_SOCKET };

	return bpf_map_lookup_elem(&mm_frontends, &key);
}

/*
 * The backend for this socket: the ClientIP-affine one while it lasts, or for an unconnected UDP
 * socket its flow's; else a random one (remembered for the next time).
 */
static __always_inline struct backend *pick(struct bpf_sock_addr *ctx, struct frontend *fe, __u32 ip, int udp_flow)
{
	struct backend_key bkey = { .set = fe->set };
	struct affinity_key akey = {};
	struct udp_flow_key fkey = {};
	struct affinity *memo;
	struct backend *be;
	__u64 now = bpf_ktime_get_ns();

	if (fe->flags & MM_AFFINITY) {
		akey.netns = bpf_get_netns_cookie(ctx);
		akey.set = fe->set;
		memo = bpf_map_lookup_elem(&mm_affinity, &akey);
		if (memo) {
			be = remembered(fe, memo, now, (__u64)fe->affinity_seconds * 1000000000ULL);
			if (be)
				return be;
		}
	}
	if (udp_flow) {
		fkey.netns = bpf_get_netns_cookie(ctx);
		fkey.ip = ip;
		fkey.port = (__u16)ctx->user_port;
		fkey.src_port = (__u16)ctx->sk->src_port;
		memo = bpf_map_lookup_elem(&mm_udp_flows, &fkey);
		if (memo) {
			be = remembered(fe, memo, now, UDP_FLOW_NS);
			if (be)
				return be;
		}
	}
	bkey.slot = bpf_get_prandom_u32() % fe->count;
	be = bpf_map_lookup_elem(&mm_backends, &bkey);
	if (be) {
		struct affinity fresh = { .at_ns = now, .slot = bkey.slot, .backend = *be };

		if (fe->flags & MM_AFFINITY)
			bpf_map_update_elem(&mm_affinity, &akey, &fresh, BPF_ANY);
		if (udp_flow)
			bpf_map_update_elem(&mm_udp_flows, &fkey, &fresh, BPF_ANY);
	}
	return be;
}

/*
 * Rewrites the destination (IPv4 `ip`, stored back through `out`) to a backend and remembers the
 * virtual IP for this socket; 1 to go on, 0 (with the error set) to refuse.
 */
static __always_inline int balance(struct bpf_sock_addr *ctx, __u32 ip, __u32 *out, int udp_flow)
{
	struct frontend *fe = frontend_of(ip, ctx->user_port, ctx->protocol);
	struct backend *be;

	if (!fe)
		return 1;
	if (fe->count == 0) {
		bpf_set_retval((fe->flags & MM_DROP) ? -ETIMEDOUT : -ECONNREFUSED);
		return 0;
	}
	be = pick(ctx, fe, ip, udp_flow);
	if (!be)
		return 1;
	{
		struct revnat_key rkey = { .cookie = bpf_get_socket_cookie(ctx), .ip = be->ip, .port = be->port };
		struct backend vip = { .ip = ip, .port = (__u16)ctx->user_port };

		bpf_map_update_elem(&mm_revnat, &rkey, &vip, BPF_ANY);
	}
	*out = be->ip;
	ctx->user_port = be->port;
	return 1;
}

/* The virtual IP a backend's address (IPv4 `ip`) stands for on this socket, written back. */
static __always_inline int reverse(struct bpf_sock_addr *ctx, __u32 ip, __u32 *out)
{
	struct revnat_key rkey = { .cookie = bpf_get_socket_cookie(ctx), .ip = ip, .port = (__u16)ctx->user_port };
	struct backend *vip = bpf_map_lookup_elem(&mm_revnat, &rkey);

	if (vip) {
		*out = vip->ip;
		ctx->user_port = vip->port;
	}
	return 1;
}

/* A UDP socket bound to a port first: a flow conntrack would know again. */
static __always_inline int udp_flow_of(struct bpf_sock_addr *ctx)
{
	return ctx->protocol == IPPROTO_UDP && ctx->sk->src_port != 0;
}

/* ::ffff:a.b.c.d */
static __always_inline int v4_mapped(struct bpf_sock_addr *ctx)
{
	return ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 && ctx->user_ip6[2] == bpf_htonl(0x0000ffff);
}

/* The same for an IPv4 socket's address, and for an IPv6 socket's IPv4-mapped one. */
static __always_inline int balance4(struct bpf_sock_addr *ctx, int udp_flow)
{
	__u32 ip = ctx->user_ip4;
	int ret = balance(ctx, ip, &ip, udp_flow);

	ctx->user_ip4 = ip;
	return ret;
}

static __always_inline int balance6(struct bpf_sock_addr *ctx, int udp_flow)
{
	__u32 ip;
	int ret;

	if (!v4_mapped(ctx))
		return 1;
	ip = ctx->user_ip6[3];
	ret = balance(ctx, ip, &ip, udp_flow);
	ctx->user_ip6[3] = ip;
	return ret;
}

static __always_inline int reverse4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;

	reverse(ctx, ip, &ip);
	ctx->user_ip4 = ip;
	return 1;
}

static __always_inline int reverse6(struct bpf_sock_addr *ctx)
{
	__u32 ip;

	if (!v4_mapped(ctx))
		return 1;
	ip = ctx->user_ip6[3];
	reverse(ctx, ip, &ip);
	ctx->user_ip6[3] = ip;
	return 1;
}

/* A connected socket keeps its backend for its life (a bound UDP one: its flow's), or until the
 * agent's UDP sweep (sock-destroy.c) aborts a UDP socket whose backend went away. */
SEC("cgroup/connect4")
int mm_connect4(struct bpf_sock_addr *ctx) { return balance4(ctx, udp_flow_of(ctx)); }

SEC("cgroup/sendmsg4")
int mm_sendmsg4(struct bpf_sock_addr *ctx) { return balance4(ctx, 1); }

SEC("cgroup/recvmsg4")
int mm_recvmsg4(struct bpf_sock_addr *ctx) { return reverse4(ctx); }

SEC("cgroup/getpeername4")
int mm_getpeername4(struct bpf_sock_addr *ctx) { return reverse4(ctx); }

SEC("cgroup/connect6")
int mm_connect6(struct bpf_sock_addr *ctx) { return balance6(ctx, udp_flow_of(ctx)); }

SEC("cgroup/sendmsg6")
int mm_sendmsg6(struct bpf_sock_addr *ctx) { return balance6(ctx, 1); }

SEC("cgroup/recvmsg6")
int mm_recvmsg6(struct bpf_sock_addr *ctx) { return reverse6(ctx); }

SEC("cgroup/getpeername6")
int mm_getpeername6(struct bpf_sock_addr *ctx) { return reverse6(ctx); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
