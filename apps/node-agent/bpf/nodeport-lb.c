// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0-only)
/*
 * minimesh north-south load balancing at tc: NodePorts, externalIPs and LoadBalancer IPs reached
 * from outside the node, balanced on the node's uplink before netfilter sees the packet (the
 * socket programs of sock-lb.c cannot: no local socket connects there). The frontends are the
 * MM_SCOPE_NORTH_SOUTH ones of mm_frontends (sock-lb-maps.h); the backends are shared with the
 * socket programs.
 *
 * mm_ns_in (tc ingress of the uplink), for a packet to a north-south frontend:
 *   - a backend is chosen once per flow (ClientIP affinity by the client's address, else at
 *     random) and the flow remembered in mm_ns_flows, so its later packets (and a retransmitted
 *     SYN) go to the same backend;
 *   - a TCP flow starts with a SYN: a TCP packet of no flow known here (a connection conntrack
 *     had before the programs were attached) is left to the stack and its rules;
 *   - a backend on this node (the agent marks them, BACKEND_LOCAL): only the destination is
 *     rewritten, and the stack delivers the packet to the pod, which sees the client's address
 *     (kube-proxy masquerades here; Cilium's kube-proxy replacement does not either); the pod's
 *     replies leave through the device, where mm_ns_out gives them the frontend's address back;
 *   - a backend on another node: the source becomes the address of the device the route to it
 *     leaves through (mm_ns_sources) and, as conntrack's masquerading does, the client's port where
 *     it is free (else one of SNAT_PORT_MIN..SNAT_PORT_MAX, above Linux's default ephemeral range
 *     32768-60999; never one a socket of the node itself holds), and the packet is sent straight
 *     out of that device (the stack would drop a packet arriving with one of its own addresses as
 *     source); the backend's replies arrive at mm_ns_in, are given the frontend's and the client's
 *     addresses back and sent out the way to the client, unless a socket of the node itself now
 *     has those addresses (the kernel may have given the port to a connection of its own: the
 *     stack gets it);
 *   - MM_KEEP_SOURCE (externalTrafficPolicy Local): never the source; MM_DROP with no backend:
 *     dropped, as kube-proxy's rule for a node without a local endpoint; no backend otherwise:
 *     left to the stack, where the nftables rules reject it as kube-proxy does.
 * The reverse translations are in mm_ns_replies, keyed by the reply's addresses as it arrives.
 * A translation ends (its port free, its entry no longer applied) 1 s after the flow's FIN or
 * RST, 60 s after its first packet if nothing ever answered, or after this long without a packet:
 * 6 h for TCP (as Cilium's connection tracking), 120 s for UDP (conntrack's stream timeout).
 * Fragments, ICMP and other protocols, and packets to no frontend, are left to the stack: a
 * fragmented datagram or an ICMP error of a rewritten flow is not translated. IPv4, Ethernet.
 *
 * mm_ns_sources: device (ifindex) -> the node's address on it, written by the agent.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sock-lb-maps.h"

#define AF_INET 2
#define SNAT_PORT_MIN 61000
#define SNAT_PORT_MAX 65535
#define SNAT_TRIES 8
#define SECOND_NS 1000000000ULL
#define CLOSED_FOR_NS (1ULL * SECOND_NS)
#define UNANSWERED_FOR_NS (60ULL * SECOND_NS)
#define TCP_IDLE_NS (6ULL * 3600ULL * SECOND_NS)
#define UDP_IDLE_NS (120ULL * SECOND_NS)
/* ns_reply.flags */
#define FLOW_CLOSED 1
#define FLOW_ANSWERED 2
/* mm_affinity keys of north-south clients: the client's address, above every netns cookie */
#define CLIENT_IP_KEY(ip) ((1ULL << 63) | (__u64)(ip))

#define TCP_FLAGS_OFF 13
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* A packet's addresses as it arrives (or leaves). */
struct ns_flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

/* A client's flow: the backend it goes to, and the source given to it (port 0: source kept). */
struct ns_flow {
	__u32 backend_ip;
	__u16 backend_port;
	__u16 snat_port;
	__u32 slot;
	__u32 snat_ip;
};

/* A reply's translation back, and when the flow last carried a packet. */
struct ns_reply {
	__u32 client_ip;
	__u32 frontend_ip;
	__u16 client_port;
	__u16 frontend_port;
	__u16 snat;
	__u16 flags;
	__u64 seen_ns;
};

struct ns_source {
	__u32 ip;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct ns_flow_key);
	__type(value, struct ns_flow);
} mm_ns_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct ns_flow_key);
	__type(value, struct ns_reply);
} mm_ns_replies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct ns_source);
} mm_ns_sources SEC(".maps");

struct packet {
	struct ns_flow_key key;
	__u32 l4_off;
	/* offset of the L4 checksum from l4_off, and the flag a UDP checksum of 0 needs */
	__u32 csum_off;
	__u64 csum_flags;
	__u8 tcp_flags;
};

/* IPv4 TCP or UDP, not a fragment: its addresses; 0 for anything else. */
static __always_inline int parse(struct __sk_buff *skb, struct packet *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u16 ports[2];

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	if (ip->ihl < 5 || (ip->frag_off & bpf_htons(0x3fff)))
		return 0;
	if (ip->protocol == IPPROTO_TCP) {
		p->csum_off = 16;
		p->csum_flags = 0;
	} else if (ip->protocol == IPPROTO_UDP) {
		p->csum_off = 6;
		p->csum_flags = BPF_F_MARK_MANGLED_0;
	} else {
		return 0;
	}
	p->key.saddr = ip->saddr;
	p->key.daddr = ip->daddr;
	p->key.proto = ip->protocol;
	p->l4_off = sizeof(*eth) + ip->ihl * 4;
	if (bpf_skb_load_bytes(skb, p->l4_off, ports, sizeof(ports)))
		return 0;
	p->key.sport = ports[0];
	p->key.dport = ports[1];
	p->tcp_flags = 0;
	if (ip->protocol == IPPROTO_TCP && bpf_skb_load_bytes(skb, p->l4_off + TCP_FLAGS_OFF, &p->tcp_flags, 1))
		return 0;
	return 1;
}

static __always_inline int set_addr(struct __sk_buff *skb, struct packet *p, int source, __u32 old, __u32 new)
{
	__u32 off = sizeof(struct ethhdr) + (source ? offsetof(struct iphdr, saddr) : offsetof(struct iphdr, daddr));

	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, p->l4_off + p->csum_off, old, new, BPF_F_PSEUDO_HDR | sizeof(new) | p->csum_flags))
		return -1;
	if (bpf_l3_csum_replace(skb, sizeof(struct ethhdr) + offsetof(struct iphdr, check), old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &new, sizeof(new), 0);
}

static __always_inline int set_port(struct __sk_buff *skb, struct packet *p, int source, __u16 old, __u16 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, p->l4_off + p->csum_off, old, new, sizeof(new) | p->csum_flags))
		return -1;
	return bpf_skb_store_bytes(skb, p->l4_off + (source ? 0 : 2), &new, sizeof(new), 0);
}

/* Rewrites the packet's source and destination (network order); 0 when done. */
static __always_inline int rewrite(struct __sk_buff *skb, struct packet *p, __u32 saddr, __u16 sport, __u32 daddr, __u16 dport)
{
	if (set_addr(skb, p, 1, p->key.saddr, saddr) || set_port(skb, p, 1, p->key.sport, sport))
		return -1;
	if (set_addr(skb, p, 0, p->key.daddr, daddr) || set_port(skb, p, 0, p->key.dport, dport))
		return -1;
	return 0;
}

/* A packet of the flow: a FIN or RST ends it, one from the backend says it answered. */
static __always_inline void note_packet(struct ns_reply *r, struct packet *p, __u64 now, int from_backend)
{
	r->seen_ns = now;
	if (p->tcp_flags & (TCP_FIN | TCP_RST))
		r->flags |= FLOW_CLOSED;
	if (from_backend)
		r->flags |= FLOW_ANSWERED;
}

/* The key a reply to this flow arrives with. */
static __always_inline struct ns_flow_key reply_key(struct packet *p, struct ns_flow *f)
{
	struct ns_flow_key k = { .saddr = f->backend_ip, .sport = f->backend_port, .proto = p->key.proto };

	if (f->snat_port) {
		k.daddr = f->snat_ip;
		k.dport = f->snat_port;
	} else {
		k.daddr = p->key.saddr;
		k.dport = p->key.sport;
	}
	return k;
}

/* The translation has ended (see above): it is not applied, and its port may be given again. */
static __always_inline int ended(struct ns_reply *r, __u8 proto, __u64 now)
{
	__u64 idle = now - r->seen_ns;

	if (r->flags & FLOW_CLOSED)
		return idle > CLOSED_FOR_NS;
	if (!(r->flags & FLOW_ANSWERED))
		return idle > UNANSWERED_FOR_NS;
	return idle > (proto == IPPROTO_TCP ? TCP_IDLE_NS : UDP_IDLE_NS);
}

/* The translation `r` was made for this packet's client and frontend. */
static __always_inline int belongs(struct ns_reply *r, struct packet *p)
{
	return r->client_ip == p->key.saddr && r->client_port == p->key.sport && r->frontend_ip == p->key.daddr && r->frontend_port == p->key.dport;
}

/* The backend for a new flow from `client`: the ClientIP-affine one while it lasts, else random. */
static __always_inline struct backend *pick(struct frontend *fe, __u32 client, __u32 *slot, __u64 now)
{
	struct backend_key bkey = { .set = fe->set };
	struct affinity_key akey = { .netns = CLIENT_IP_KEY(client), .set = fe->set };
	struct affinity *memo;
	struct backend *be;

	if (fe->flags & MM_AFFINITY) {
		memo = bpf_map_lookup_elem(&mm_affinity, &akey);
		if (memo) {
			be = remembered(fe, memo, now, (__u64)fe->affinity_seconds * 1000000000ULL);
			if (be) {
				*slot = memo->slot;
				return be;
			}
		}
	}
	bkey.slot = bpf_get_prandom_u32() % fe->count;
	be = bpf_map_lookup_elem(&mm_backends, &bkey);
	if (be && (fe->flags & MM_AFFINITY)) {
		struct affinity fresh = { .at_ns = now, .slot = bkey.slot, .backend = *be };

		bpf_map_update_elem(&mm_affinity, &akey, &fresh, BPF_ANY);
	}
	*slot = bkey.slot;
	return be;
}

/* The flow's backend is still in its slot (else a new flow chooses again). */
static __always_inline int still_there(struct frontend *fe, struct ns_flow *f)
{
	struct backend_key bkey = { .set = fe->set, .slot = f->slot };
	struct backend *be;

	if (f->slot >= fe->count)
		return 0;
	be = bpf_map_lookup_elem(&mm_backends, &bkey);
	return be && be->ip == f->backend_ip && be->port == f->backend_port;
}

/* A socket of this node's own that a reply with key `k` would belong to (a connection, one in
 * TIME_WAIT, a bound UDP socket, and unless `connected_only` a listener): a port with one is not
 * free for a flow, and a reply that one of its connections would take is not a flow's. */
static __always_inline int local_socket(struct __sk_buff *skb, struct ns_flow_key *k, int connected_only)
{
	struct bpf_sock_tuple t = { .ipv4 = { .saddr = k->saddr, .daddr = k->daddr, .sport = k->sport, .dport = k->dport } };
	struct bpf_sock *sk;
	int found;

	/* Apart, the two lookups: the verifier keeps their sockets' types apart. */
	if (k->proto == IPPROTO_TCP) {
		sk = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return 0;
		found = !connected_only || sk->state != BPF_TCP_LISTEN;
		bpf_sk_release(sk);
		return found;
	}
	sk = bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

/*
 * A source port of this node's for a flow to `be`, its reply translation stored; 0 if none is
 * free. First the client's own port, as conntrack's masquerading keeps it when it can: a client
 * that reuses a port then reaches the backend with the same addresses again, with a sequence
 * number above the last one's, which a backend socket still in TIME_WAIT accepts (a port that
 * another client's connection left could meet a TIME_WAIT that refuses the SYN, and the client
 * would wait a second for its retransmission). Then ports of SNAT_PORT_MIN..SNAT_PORT_MAX at
 * random. Never one that a socket of the node itself would receive the replies of.
 */
static __always_inline __u16 snat_port(struct __sk_buff *skb, struct packet *p, struct backend *be, __u32 source, struct ns_reply *reply, __u64 now)
{
	struct ns_flow_key k = { .saddr = be->ip, .daddr = source, .sport = be->port, .proto = p->key.proto };
	__u32 start = bpf_get_prandom_u32();
	int i;

	for (i = 0; i <= SNAT_TRIES; i++) {
		struct ns_reply *used;

		if (i == 0) {
			if (bpf_ntohs(p->key.sport) < 1024)
				continue;
			k.dport = p->key.sport;
		} else {
			k.dport = bpf_htons(SNAT_PORT_MIN + (start + i * 7919) % (SNAT_PORT_MAX - SNAT_PORT_MIN + 1));
		}
		used = bpf_map_lookup_elem(&mm_ns_replies, &k);
		if (used) {
			/* The same client's earlier flow from this port to this frontend may give it over at once. */
			if (!belongs(used, p) && !ended(used, k.proto, now))
				continue;
		}
		if (local_socket(skb, &k, 0))
			continue;
		if (bpf_map_update_elem(&mm_ns_replies, &k, reply, used ? BPF_ANY : BPF_NOEXIST) == 0)
			return k.dport;
	}
	return 0;
}

/* The device the route to `ip` leaves through, or 0. */
static __always_inline __u32 route_to(struct __sk_buff *skb, __u32 ip)
{
	struct bpf_fib_lookup fib = { .family = AF_INET, .ipv4_dst = ip, .ifindex = skb->ifindex };
	int rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);

	return rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH ? fib.ifindex : 0;
}

/* Balances a packet to a north-south frontend: TC_ACT_OK to let the stack have it (rewritten or
 * not), TC_ACT_SHOT, or a redirect. */
static __always_inline int balance(struct __sk_buff *skb, struct packet *p, struct frontend *fe, __u64 now)
{
	struct ns_flow *known = bpf_map_lookup_elem(&mm_ns_flows, &p->key);
	struct ns_flow flow = {};
	struct ns_flow_key rkey;
	struct ns_reply *r = 0;
	__u32 out = 0;

	if (known) {
		rkey = reply_key(p, known);
		r = bpf_map_lookup_elem(&mm_ns_replies, &rkey);
		/* Ended, or its port given to another flow since: not this flow's any more. A new
		 * connection from the port of a finished one, or to a backend gone: chosen again. */
		if (!r || !belongs(r, p) || ended(r, p->key.proto, now) ||
		    ((p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && ((r->flags & FLOW_CLOSED) || !still_there(fe, known))) ||
		    (p->key.proto == IPPROTO_UDP && !still_there(fe, known)))
			known = 0;
	}
	if (known) {
		flow = *known;
		note_packet(r, p, now, 0);
		if (flow.snat_port)
			out = route_to(skb, flow.backend_ip);
	} else {
		struct ns_reply reply = { .client_ip = p->key.saddr, .client_port = p->key.sport, .frontend_ip = p->key.daddr,
					  .frontend_port = p->key.dport, .seen_ns = now };
		struct backend *be;

		/* A TCP flow starts with a SYN; anything else of a connection not known here is conntrack's. */
		if (p->key.proto == IPPROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			return TC_ACT_OK;
		if (fe->count == 0)
			return (fe->flags & MM_DROP) ? TC_ACT_SHOT : TC_ACT_OK;
		be = pick(fe, p->key.saddr, &flow.slot, now);
		if (!be)
			return TC_ACT_OK;
		flow.backend_ip = be->ip;
		flow.backend_port = be->port;
		if (!(fe->flags & MM_KEEP_SOURCE) && !(be->pad & BACKEND_LOCAL)) {
			struct ns_source *src;

			out = route_to(skb, be->ip);
			src = out ? bpf_map_lookup_elem(&mm_ns_sources, &out) : 0;
			if (!src)
				return TC_ACT_OK;
			flow.snat_ip = src->ip;
			reply.snat = 1;
			flow.snat_port = snat_port(skb, p, be, flow.snat_ip, &reply, now);
			if (!flow.snat_port)
				return TC_ACT_SHOT;
		} else {
			rkey = reply_key(p, &flow);
			bpf_map_update_elem(&mm_ns_replies, &rkey, &reply, BPF_ANY);
		}
		bpf_map_update_elem(&mm_ns_flows, &p->key, &flow, BPF_ANY);
	}
	if (flow.snat_port) {
		if (!out || rewrite(skb, p, flow.snat_ip, flow.snat_port, flow.backend_ip, flow.backend_port))
			return TC_ACT_SHOT;
		return bpf_redirect_neigh(out, 0, 0, 0);
	}
	if (rewrite(skb, p, p->key.saddr, p->key.sport, flow.backend_ip, flow.backend_port))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int mm_ns_in(struct __sk_buff *skb)
{
	struct packet p = {};
	struct frontend_key fkey = {};
	struct frontend *fe;
	struct ns_reply *r;
	__u64 now;

	if (!parse(skb, &p))
		return TC_ACT_OK;
	now = bpf_ktime_get_ns();
	/* A reply from a backend on another node to a flow given this node's address: back to the
	 * client, unless the translation has ended or a socket of the node's own has these addresses. */
	r = bpf_map_lookup_elem(&mm_ns_replies, &p.key);
	if (r && r->snat) {
		__u32 client_ip = r->client_ip, frontend_ip = r->frontend_ip, out;
		__u16 client_port = r->client_port, frontend_port = r->frontend_port;

		if (ended(r, p.key.proto, now)) {
			bpf_map_delete_elem(&mm_ns_replies, &p.key);
			return TC_ACT_OK;
		}
		if (local_socket(skb, &p.key, 1))
			return TC_ACT_OK;
		note_packet(r, &p, now, 1);
		out = route_to(skb, client_ip);
		if (rewrite(skb, &p, frontend_ip, frontend_port, client_ip, client_port))
			return TC_ACT_SHOT;
		return bpf_redirect_neigh(out ? out : skb->ifindex, 0, 0, 0);
	}
	fkey.ip = p.key.daddr;
	fkey.port = p.key.dport;
	fkey.proto = p.key.proto;
	fkey.scope = MM_SCOPE_NORTH_SOUTH;
	fe = bpf_map_lookup_elem(&mm_frontends, &fkey);
	if (!fe)
		return TC_ACT_OK;
	return balance(skb, &p, fe, now);
}

/* A reply from a backend on this node leaving for the client: the frontend's address back. */
SEC("tc")
int mm_ns_out(struct __sk_buff *skb)
{
	struct packet p = {};
	struct ns_reply *r;

	if (!parse(skb, &p))
		return TC_ACT_OK;
	r = bpf_map_lookup_elem(&mm_ns_replies, &p.key);
	if (!r || r->snat)
		return TC_ACT_OK;
	{
		__u32 frontend_ip = r->frontend_ip;
		__u16 frontend_port = r->frontend_port;
		__u64 now = bpf_ktime_get_ns();

		if (ended(r, p.key.proto, now)) {
			bpf_map_delete_elem(&mm_ns_replies, &p.key);
			return TC_ACT_OK;
		}
		note_packet(r, &p, now, 1);
		if (rewrite(skb, &p, frontend_ip, frontend_port, p.key.daddr, p.key.dport))
			return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
