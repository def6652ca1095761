// SPDX-License-Identifier: Apache-2.0
/*
 * minimesh-sock-lb: the node agent's hands on its socket load balancer (sock-lb.c), with libbpf.
 *
 *   minimesh-sock-lb attach OBJECT PIN_DIR CGROUP   load the programs (maps pinned under PIN_DIR,
 *                                                   reused when already there) and attach them to the
 *                                                   cgroup v2 directory, replacing earlier ones
 *   minimesh-sock-lb detach PIN_DIR CGROUP          detach them and remove the pinned maps (the
 *                                                   north-south programs' too)
 *   minimesh-sock-lb attach-tc OBJECT PIN_DIR IFACE NODE_IP
 *                                                   load the north-south programs (nodeport-lb.c;
 *                                                   maps pinned under PIN_DIR beside the socket
 *                                                   programs') and attach them to the Ethernet
 *                                                   interface's tc egress and ingress in this
 *                                                   network namespace, NODE_IP the source of the
 *                                                   packets they send out of it
 *   minimesh-sock-lb detach-tc PIN_DIR IFACE...     detach them from the interfaces (detach removes
 *                                                   their pinned maps with the others)
 *   minimesh-sock-lb serve PIN_DIR                  a map session on stdin/stdout (below)
 *   minimesh-sock-lb dump PIN_DIR                   the frontends and backends as text lines
 *   minimesh-sock-lb probe OBJECT                   load the programs and unload them: does this
 *                                                   kernel take them? (nothing pinned or attached)
 *   minimesh-sock-lb sweep-udp SWEEP_OBJECT PIN_DIR CGROUP VIP:PORT=BACKEND:PORT|VIP:PORT=*...
 *                                                   destroy the connected UDP sockets sent to a
 *                                                   backend now gone (sock-destroy.c), in every
 *                                                   network namespace of the cgroup's processes
 *
 * Programs attached this way stay attached when the agent exits, and the maps are pinned: traffic
 * keeps flowing while the agent restarts, and the new agent carries on with the same maps.
 *
 * The serve protocol, all integers little-endian. First the helper writes one line per map,
 * "<name> <key size> <value size>\n", then "ready\n". Then requests, each
 *   u32 length of what follows, u8 op, u8 map index (the order of those lines), u16 flags,
 *   u32 count, then count records: key+value for UPDATE (1), key for DELETE (2), nothing for
 *   DUMP (3); flag AFTER_OK (1) on a write: skip it (ECANCELED) if the write before it failed or
 *   was skipped (DUMPs in between do not count), so that the parts of one delta, and the chunks of
 *   a first sync, can be sent together and still stop at the first failure;
 * and for each request one reply
 *   u32 errno (0: done), u32 length, then for DUMP count key+value records (the count in the
 *   first 4 bytes), for an error its message.
 * UPDATE, DELETE and DUMP go through the kernel's batch calls where it has them (one system call
 * for thousands of entries); DELETE ignores keys that are not there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const char *const MAP_NAMES[] = { "mm_frontends", "mm_backends", "mm_affinity", "mm_revnat", "mm_udp_flows" };
#define MAP_COUNT (sizeof(MAP_NAMES) / sizeof(MAP_NAMES[0]))
/* The north-south programs' own maps (nodeport-lb.c), removed by detach with the others. */
static const char *const TC_MAP_NAMES[] = { "mm_ns_flows", "mm_ns_replies", "mm_ns_sources" };
#define TC_MAP_COUNT (sizeof(TC_MAP_NAMES) / sizeof(TC_MAP_NAMES[0]))

static const enum bpf_attach_type ATTACH_TYPES[] = {
	BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP4_RECVMSG, BPF_CGROUP_INET4_GETPEERNAME,
	BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_UDP6_SENDMSG, BPF_CGROUP_UDP6_RECVMSG, BPF_CGROUP_INET6_GETPEERNAME,
};
#define ATTACH_COUNT (sizeof(ATTACH_TYPES) / sizeof(ATTACH_TYPES[0]))

enum { OP_UPDATE = 1, OP_DELETE = 2, OP_DUMP = 3 };
enum { AFTER_OK = 1 };

static int fail(const char *what, int err)
{
	fprintf(stderr, "minimesh-sock-lb: %s: %s\n", what, strerror(err));
	return 1;
}

static int attach(const char *object, const char *pin_dir, const char *cgroup)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct bpf_object *obj;
	struct bpf_program *prog;
	int cg, err, attached = 0;
	char what[512];

	cg = open(cgroup, O_RDONLY | O_DIRECTORY);
	if (cg < 0)
		return fail(cgroup, errno);
	obj = bpf_object__open_file(object, &opts);
	if (!obj)
		return fail(object, errno);
	err = bpf_object__load(obj);
	if (err)
		return fail("loading the programs (are the pinned maps of an older layout? detach first)", -err);
	bpf_object__for_each_program(prog, obj) {
		enum bpf_attach_type type = bpf_program__expected_attach_type(prog);

		/* No flags: the one program of its type on this cgroup, replacing an earlier one at once. */
		if (bpf_prog_attach(bpf_program__fd(prog), cg, type, 0)) {
			snprintf(what, sizeof(what), "attaching %s to %s", bpf_program__name(prog), cgroup);
			return fail(what, errno);
		}
		attached++;
	}
	printf("attached %d programs to %s, maps pinned in %s\n", attached, cgroup, pin_dir);
	bpf_object__close(obj);
	close(cg);
	return 0;
}

static int probe(const char *object)
{
	struct bpf_object *obj = bpf_object__open_file(object, NULL);
	struct bpf_map *map;
	int err;

	if (!obj)
		return fail(object, errno);
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	if (err)
		return fail("this kernel refuses the socket load balancer's programs", -err);
	return 0;
}

static int detach(const char *pin_dir, const char *cgroup)
{
	char path[4096];
	int cg = open(cgroup, O_RDONLY | O_DIRECTORY);
	unsigned i;

	if (cg >= 0) {
		for (i = 0; i < ATTACH_COUNT; i++) {
			if (bpf_prog_detach(cg, ATTACH_TYPES[i]) && errno != ENOENT)
				return fail("detaching", errno);
		}
		close(cg);
	} else if (errno != ENOENT) {
		return fail(cgroup, errno);
	}
	for (i = 0; i < MAP_COUNT + TC_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, i < MAP_COUNT ? MAP_NAMES[i] : TC_MAP_NAMES[i - MAP_COUNT]);
		if (unlink(path) && errno != ENOENT)
			return fail(path, errno);
	}
	return 0;
}

/* The tc filters' handle and priority ("mm"): the ones replaced by attach-tc, removed by detach-tc. */
#define TC_HANDLE 0x6d6d
#define TC_PRIORITY 0x6d6d

/* libbpf's messages, but not the kernel's note that a clsact qdisc is there already (it is reused). */
static int print_libbpf(enum libbpf_print_level level, const char *format, va_list args)
{
	char line[1024];

	vsnprintf(line, sizeof(line), format, args);
	if (level == LIBBPF_DEBUG || strstr(line, "Exclusivity flag on"))
		return 0;
	return fputs(line, stderr);
}

static int tc_attach_one(struct bpf_object *obj, const char *name, int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
	int err;

	if (!prog)
		return fail(name, ENOENT);
	opts.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return fail("creating the clsact qdisc", -err);
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return fail(point == BPF_TC_INGRESS ? "attaching to tc ingress" : "attaching to tc egress", -err);
	return 0;
}

/* The interface is an Ethernet one (the programs read an Ethernet header). */
static int ethernet(const char *iface)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ok;

	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	ok = ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
	close(fd);
	return ok;
}

static int attach_tc(const char *object, const char *pin_dir, const char *iface, const char *node_ip)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct bpf_object *obj;
	struct bpf_map *sources;
	struct in_addr ip;
	uint32_t key;
	int ifindex = if_nametoindex(iface), err;

	if (!ifindex)
		return fail(iface, errno);
	if (!ethernet(iface))
		return fail(iface, EPROTONOSUPPORT);
	if (inet_pton(AF_INET, node_ip, &ip) != 1)
		return fail(node_ip, EINVAL);
	obj = bpf_object__open_file(object, &opts);
	if (!obj)
		return fail(object, errno);
	err = bpf_object__load(obj);
	if (err)
		return fail("loading the north-south programs (are the pinned maps of an older layout? detach first)", -err);
	key = (uint32_t)ifindex;
	sources = bpf_object__find_map_by_name(obj, "mm_ns_sources");
	if (!sources || bpf_map_update_elem(bpf_map__fd(sources), &key, &ip.s_addr, BPF_ANY))
		return fail("writing mm_ns_sources", sources ? errno : ENOENT);
	/* Egress first: no moment where destinations are rewritten and replies are not. */
	if (tc_attach_one(obj, "mm_ns_out", ifindex, BPF_TC_EGRESS) || tc_attach_one(obj, "mm_ns_in", ifindex, BPF_TC_INGRESS))
		return 1;
	printf("attached the north-south programs to %s (tc ingress and egress), maps pinned in %s\n", iface, pin_dir);
	bpf_object__close(obj);
	return 0;
}

static int detach_tc(const char *pin_dir, const char *iface)
{
	static const enum bpf_tc_attach_point points[] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	char path[4096];
	int ifindex = if_nametoindex(iface), fd;
	uint32_t key;
	unsigned i;

	if (!ifindex)
		return errno == ENODEV ? 0 : fail(iface, errno);
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = points[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
		int err = bpf_tc_detach(&hook, &opts);

		/* Not there (never attached, or no clsact qdisc at all): nothing to do. */
		if (err && err != -ENOENT && err != -EINVAL)
			return fail("detaching from tc", -err);
	}
	/* Its source address goes too (the map may not be there: nothing was ever attached). */
	snprintf(path, sizeof(path), "%s/mm_ns_sources", pin_dir);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		key = (uint32_t)ifindex;
		bpf_map_delete_elem(fd, &key);
		close(fd);
	}
	return 0;
}

/* A UDP sweep over a cgroup tree: the network namespaces seen so far (by inode), and failures. */
struct sweep {
	int link_fd;
	ino_t *seen;
	size_t count, cap;
	int failures;
};

/* Runs the sweep's iterator in one network namespace (entered with setns: an iterator sees the
 * sockets of the namespace it is opened in). */
static void sweep_netns(struct sweep *w, int ns_fd)
{
	char buf[4096];
	int it;

	if (setns(ns_fd, CLONE_NEWNET)) {
		w->failures++;
		return;
	}
	it = bpf_iter_create(w->link_fd);
	if (it < 0) {
		w->failures++;
		return;
	}
	while (read(it, buf, sizeof(buf)) > 0)
		;
	close(it);
}

/* Sweeps the network namespace of every process in `dir` and the cgroups below it, each once. */
static void sweep_cgroup(struct sweep *w, const char *dir)
{
	char path[4096];
	FILE *procs;
	DIR *d;
	struct dirent *e;
	int pid;
	size_t i;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	procs = fopen(path, "r");
	if (!procs) {
		w->failures++;
		return;
	}
	while (fscanf(procs, "%d", &pid) == 1) {
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		if (stat(path, &st))
			continue; /* the process is gone meanwhile */
		for (i = 0; i < w->count && w->seen[i] != st.st_ino; i++)
			;
		if (i < w->count)
			continue;
		if (w->count == w->cap) {
			ino_t *grown = realloc(w->seen, (w->cap * 2 + 64) * sizeof(ino_t));

			if (!grown) {
				w->failures++;
				break;
			}
			w->seen = grown;
			w->cap = w->cap * 2 + 64;
		}
		w->seen[w->count++] = st.st_ino;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT)
				w->failures++;
			continue;
		}
		sweep_netns(w, fd);
		close(fd);
	}
	fclose(procs);
	d = opendir(dir);
	if (!d) {
		w->failures++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		sweep_cgroup(w, path);
	}
	closedir(d);
}

/* "a.b.c.d:port" into network-order address and port; 0 when it is not one. */
static int parse_addr_port(const char *text, uint32_t *ip, uint16_t *port)
{
	char addr[64];
	const char *colon = strrchr(text, ':');
	char *end;
	unsigned long p;

	if (!colon || (size_t)(colon - text) >= sizeof(addr))
		return 0;
	memcpy(addr, text, colon - text);
	addr[colon - text] = 0;
	p = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p > 65535 || inet_pton(AF_INET, addr, ip) != 1)
		return 0;
	*port = htons((uint16_t)p);
	return 1;
}

/*
 * sweep-udp: destroys the connected UDP sockets that the socket load balancer sent from a
 * Service's address to a backend now gone (VIP:PORT=BACKEND:PORT, or VIP:PORT=* for every backend
 * of a Service port that is gone), in every network namespace of the cgroup's processes. Prints
 * how many; exits 1 if a namespace could not be swept.
 */
static int sweep_udp(const char *object, const char *pin_dir, const char *cgroup, int n, char **pairs)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct sweep w = { 0 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct bpf_map *gone, *bss;
	char path[4096];
	int i, own, err;
	unsigned long long destroyed = 0;

	/* The socket load balancer's map must be there: a wrong PIN_DIR would pin an empty one. */
	snprintf(path, sizeof(path), "%s/mm_revnat", pin_dir);
	if (access(path, F_OK))
		return fail(path, errno);
	obj = bpf_object__open_file(object, &opts);
	if (!obj)
		return fail(object, errno);
	err = bpf_object__load(obj);
	if (err)
		return fail("loading the UDP sweep (Linux 6.5+ with bpf_sock_destroy)", -err);
	gone = bpf_object__find_map_by_name(obj, "mm_gone");
	prog = bpf_object__find_program_by_name(obj, "mm_udp_sweep");
	bss = bpf_object__find_map_by_name(obj, ".bss");
	if (!gone || !prog || !bss)
		return fail("the UDP sweep object has no mm_gone, mm_udp_sweep or .bss", ENOENT);
	for (i = 0; i < n; i++) {
		struct { uint32_t vip, backend; uint16_t vport, bport; } key = { 0 };
		uint8_t one = 1;
		char *eq = strchr(pairs[i], '=');

		if (!eq)
			return fail("a pair is VIP:PORT=BACKEND:PORT or VIP:PORT=*", EINVAL);
		*eq = 0;
		if (!parse_addr_port(pairs[i], &key.vip, &key.vport) || (strcmp(eq + 1, "*") != 0 && !parse_addr_port(eq + 1, &key.backend, &key.bport)))
			return fail("a pair is VIP:PORT=BACKEND:PORT or VIP:PORT=*, IPv4 addresses", EINVAL);
		if (bpf_map_update_elem(bpf_map__fd(gone), &key, &one, BPF_ANY))
			return fail("mm_gone", errno);
	}
	link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		return fail("attaching the UDP sweep iterator", errno);
	w.link_fd = bpf_link__fd(link);
	own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	sweep_cgroup(&w, cgroup);
	if (own >= 0) {
		setns(own, CLONE_NEWNET);
		close(own);
	}
	{
		/* The program's globals: the counter is the first (and only) one. */
		uint32_t zero = 0, size = bpf_map__value_size(bss);
		char *globals = calloc(1, size > sizeof(destroyed) ? size : sizeof(destroyed));

		if (globals && bpf_map_lookup_elem(bpf_map__fd(bss), &zero, globals) == 0)
			memcpy(&destroyed, globals, sizeof(destroyed));
		free(globals);
	}
	printf("destroyed %llu UDP sockets in %zu network namespaces\n", destroyed, w.count);
	free(w.seen);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	if (w.failures) {
		fprintf(stderr, "minimesh-sock-lb: sweep-udp: %d network namespaces or cgroups could not be swept\n", w.failures);
		return 1;
	}
	return 0;
}

static const char *proto_name(unsigned p)
{
	return p == 6 ? "TCP" : p == 17 ? "UDP" : p == 132 ? "SCTP" : "?";
}

/* "frontend IP:PORT/PROTO set S count N flags F affinity A" and "backend S/SLOT IP:PORT" lines. */
static int dump_text(const char *pin_dir)
{
	struct { uint8_t ip[4]; uint16_t port; uint8_t proto, scope; } fk, fnext;
	struct { uint32_t set; uint16_t count, flags; uint32_t affinity; } fv;
	struct { uint32_t set, slot; } bk, bnext;
	struct { uint8_t ip[4]; uint16_t port, pad; } bv;
	char path[4096];
	int fd, first;

	snprintf(path, sizeof(path), "%s/mm_frontends", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fail(path, errno);
	for (first = 1; bpf_map_get_next_key(fd, first ? NULL : &fk, &fnext) == 0; first = 0) {
		fk = fnext;
		if (bpf_map_lookup_elem(fd, &fk, &fv))
			continue;
		printf("frontend %u.%u.%u.%u:%u/%s%s set %u count %u flags %u affinity %u\n", fk.ip[0], fk.ip[1], fk.ip[2], fk.ip[3], ntohs(fk.port),
		       proto_name(fk.proto), fk.scope ? " north-south" : "", fv.set, fv.count, fv.flags, fv.affinity);
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/mm_backends", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fail(path, errno);
	for (first = 1; bpf_map_get_next_key(fd, first ? NULL : &bk, &bnext) == 0; first = 0) {
		bk = bnext;
		if (bpf_map_lookup_elem(fd, &bk, &bv))
			continue;
		printf("backend %u/%u %u.%u.%u.%u:%u\n", bk.set, bk.slot, bv.ip[0], bv.ip[1], bv.ip[2], bv.ip[3], ntohs(bv.port));
	}
	close(fd);
	return 0;
}

static int read_full(void *buf, size_t n)
{
	char *p = buf;

	while (n > 0) {
		ssize_t r = read(0, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

static void write_full(const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(1, p, n);

		if (w <= 0)
			exit(1);
		p += w;
		n -= w;
	}
}

static void reply(uint32_t err, const void *data, uint32_t len)
{
	uint32_t head[2] = { err, len };

	write_full(head, sizeof(head));
	if (len)
		write_full(data, len);
}

static int reply_error(int err, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	reply(err, msg, strlen(msg));
	return err;
}

struct map {
	int fd;
	uint32_t key_size, value_size;
};

static int update(struct map *m, char *records, uint32_t count)
{
	uint32_t rec = m->key_size + m->value_size, done = count, i;
	char *keys, *values;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	/* The batch call wants keys and values apart. */
	keys = malloc((size_t)count * m->key_size + 1);
	values = malloc((size_t)count * m->value_size + 1);
	if (!keys || !values) {
		free(keys);
		free(values);
		return reply_error(ENOMEM, "update");
	}
	for (i = 0; i < count; i++) {
		memcpy(keys + (size_t)i * m->key_size, records + (size_t)i * rec, m->key_size);
		memcpy(values + (size_t)i * m->value_size, records + (size_t)i * rec + m->key_size, m->value_size);
	}
	if (count > 0 && bpf_map_update_batch(m->fd, keys, values, &done, &opts)) {
		/* No batch support for this map type, or a batch that stopped partway: one by one (an update
		 * written twice is the same update). */
		for (i = 0; i < count; i++) {
			if (bpf_map_update_elem(m->fd, keys + (size_t)i * m->key_size, values + (size_t)i * m->value_size, BPF_ANY)) {
				int err = errno;

				free(keys);
				free(values);
				return reply_error(err, "update");
			}
		}
	}
	free(keys);
	free(values);
	reply(0, NULL, 0);
	return 0;
}

static int delete(struct map *m, char *keys, uint32_t count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint32_t at = 0;

	/* In batches; a batch stops at a key that is not there (ENOENT): step over it and go on. */
	while (at < count) {
		uint32_t n = count - at;

		if (bpf_map_delete_batch(m->fd, keys + (size_t)at * m->key_size, &n, &opts) == 0)
			break;
		if (errno != ENOENT || n >= count - at) {
			/* Not a missing key (no batch deletes here, or another error): one by one, which reports it. */
			for (; at < count; at++) {
				if (bpf_map_delete_elem(m->fd, keys + (size_t)at * m->key_size) && errno != ENOENT)
					return reply_error(errno, "delete");
			}
			break;
		}
		at += n + 1;
	}
	reply(0, NULL, 0);
	return 0;
}

/* A DUMP reply being built: the count, then key+value records. */
struct dump_out {
	char *buf;
	size_t len, cap;
	uint32_t count;
};

static int dump_add(struct dump_out *o, const char *key, uint32_t key_size, const char *value, uint32_t value_size)
{
	if (o->len + key_size + value_size > o->cap) {
		size_t cap = o->cap * 2 + key_size + value_size;
		char *grown = realloc(o->buf, cap);

		if (!grown)
			return ENOMEM;
		o->buf = grown;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, key, key_size);
	memcpy(o->buf + o->len + key_size, value, value_size);
	o->len += key_size + value_size;
	o->count++;
	return 0;
}

/* Key by key, for a kernel without batch lookups: two system calls per entry. */
static int dump_by_keys(struct map *m, struct dump_out *o)
{
	char *key = malloc(m->key_size), *next = malloc(m->key_size), *value = malloc(m->value_size);
	int first = 1, err = 0;

	if (!key || !next || !value)
		err = ENOMEM;
	while (!err) {
		if (bpf_map_get_next_key(m->fd, first ? NULL : key, next)) {
			/* ENOENT: past the last key. Anything else: the dump is not whole, say so. */
			if (errno != ENOENT)
				err = errno;
			break;
		}
		first = 0;
		memcpy(key, next, m->key_size);
		/* Gone between the two calls: leave it out. */
		if (bpf_map_lookup_elem(m->fd, key, value) == 0)
			err = dump_add(o, key, m->key_size, value, m->value_size);
	}
	free(key);
	free(next);
	free(value);
	return err;
}

static int dump(struct map *m)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct dump_out o = { .buf = malloc(4096), .len = 4, .cap = 4096 };
	uint32_t chunk = 8192, i;
	char *keys = malloc((size_t)chunk * m->key_size), *values = malloc((size_t)chunk * m->value_size);
	/* The batch position: a u32 bucket number for hash maps. */
	uint32_t batch = 0;
	int first = 1, err = 0;

	if (!o.buf || !keys || !values)
		err = ENOMEM;
	while (!err) {
		uint32_t n = chunk;
		int r = bpf_map_lookup_batch(m->fd, first ? NULL : &batch, &batch, keys, values, &n, &opts);
		int e = r ? errno : 0;

		if (r && e != ENOENT) {
			/* The first batch call refused (a kernel or map type without batch lookups): key by key. */
			if (first)
				err = dump_by_keys(m, &o);
			else
				err = e;
			break;
		}
		for (i = 0; i < n && !err; i++)
			err = dump_add(&o, keys + (size_t)i * m->key_size, m->key_size, values + (size_t)i * m->value_size, m->value_size);
		first = 0;
		if (e == ENOENT)
			break;
	}
	free(keys);
	free(values);
	if (err) {
		free(o.buf);
		return reply_error(err, "dump");
	}
	memcpy(o.buf, &o.count, 4);
	reply(0, o.buf, o.len);
	free(o.buf);
	return 0;
}

static int serve(const char *pin_dir)
{
	struct map maps[MAP_COUNT];
	char path[4096];
	unsigned i;
	int last_err = 0, err;

	for (i = 0; i < MAP_COUNT; i++) {
		struct bpf_map_info info = {};
		uint32_t info_len = sizeof(info);

		snprintf(path, sizeof(path), "%s/%s", pin_dir, MAP_NAMES[i]);
		maps[i].fd = bpf_obj_get(path);
		if (maps[i].fd < 0)
			return fail(path, errno);
		if (bpf_obj_get_info_by_fd(maps[i].fd, &info, &info_len))
			return fail(path, errno);
		maps[i].key_size = info.key_size;
		maps[i].value_size = info.value_size;
		printf("%s %u %u\n", MAP_NAMES[i], info.key_size, info.value_size);
	}
	/* A large pipe: the agent sends a chunk of a first sync and computes the next meanwhile. */
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		uint32_t length, count;
		uint8_t head[8];
		char *body = NULL;
		struct map *m;

		if (read_full(&length, 4))
			return 0;
		if (length < 8 || read_full(head, 8))
			return fail("a request shorter than its header", EPROTO);
		memcpy(&count, head + 4, 4);
		if (length > 8) {
			body = malloc(length - 8);
			if (!body || read_full(body, length - 8))
				return fail("reading a request", errno ? errno : EPROTO);
		}
		/* last_err is the last write's (UPDATE, DELETE, or a request that was none of the three):
		 * a DUMP in between neither clears nor sets it. */
		if (head[0] != OP_DUMP && (head[2] & AFTER_OK) && last_err) {
			last_err = reply_error(ECANCELED, "skipped after the failure of the write before it");
		} else if (head[1] >= MAP_COUNT) {
			err = reply_error(EINVAL, "no such map");
			if (head[0] != OP_DUMP)
				last_err = err;
		} else {
			m = &maps[head[1]];
			if (head[0] == OP_UPDATE && (uint64_t)count * (m->key_size + m->value_size) == length - 8)
				last_err = update(m, body, count);
			else if (head[0] == OP_DELETE && (uint64_t)count * m->key_size == length - 8)
				last_err = delete(m, body, count);
			else if (head[0] == OP_DUMP && length == 8)
				dump(m);
			else
				last_err = reply_error(EINVAL, "a request whose op or length does not fit its map");
		}
		free(body);
	}
}

int main(int argc, char **argv)
{
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	libbpf_set_print(print_libbpf);
	if (argc == 5 && strcmp(argv[1], "attach") == 0)
		return attach(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "detach") == 0)
		return detach(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "attach-tc") == 0)
		return attach_tc(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 4 && strcmp(argv[1], "detach-tc") == 0) {
		int i, err = 0;

		for (i = 3; i < argc; i++)
			err |= detach_tc(argv[2], argv[i]);
		return err;
	}
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return dump_text(argv[2]);
	if (argc == 3 && strcmp(argv[1], "probe") == 0)
		return probe(argv[2]);
	if (argc >= 5 && strcmp(argv[1], "sweep-udp") == 0)
		return sweep_udp(argv[2], argv[3], argv[4], argc - 5, argv + 5);
	fprintf(stderr, "usage: minimesh-sock-lb attach OBJECT PIN_DIR CGROUP | detach PIN_DIR CGROUP | attach-tc OBJECT PIN_DIR IFACE NODE_IP | detach-tc PIN_DIR IFACE... | serve PIN_DIR | dump PIN_DIR | probe OBJECT | sweep-udp SWEEP_OBJECT PIN_DIR CGROUP VIP:PORT=BACKEND:PORT|VIP:PORT=*...\n");
	return 2;
}
