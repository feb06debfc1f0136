/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * meshlane: maps and types shared by every hook.
 *
 * Every map is defined __weak here so that each hook file can include this header and
 * `bpftool gen object` links them into one object with exactly one copy of each map.
 * The Java side (node-agent io.meshlane.agent.datapath.MapLayouts, MapName, Counter) mirrors these
 * layouts, and its MapLayoutsBtfTest checks them against this object's BTF;
 * change both together.
 *
 * Byte orders: addresses are kept in network order, ports in host order.
 */
#ifndef MESHLANE_H
#define MESHLANE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define SOL_IP 0
#define SOL_IPV6 41
#define SO_ORIGINAL_DST 80      /* linux/netfilter_ipv4.h */
#define IP6T_SO_ORIGINAL_DST 80 /* linux/netfilter_ipv6/ip6_tables.h */
#define PAGE_SIZE 4096
#define TCP_CLOSE 7

#define POD_HAS_SIDECAR 1

/*
 * Context fields must be loaded at fixed offsets; a volatile load stops clang from
 * turning "v4 field or v6 field" into a computed context pointer the verifier rejects.
 */
#define CTX(field) (*(volatile typeof(field) *)&(field))

/* What the agent knows about a pod on this node. */
struct pod_info {
	__u32 pod_id;        /* agent-assigned, key of the exclusion maps */
	__u32 ns_id;         /* agent-assigned namespace id, key of ml_ns_accel */
	__u32 sidecar_uid;   /* connections by this uid are the sidecar's own */
	__u16 outbound_port; /* sidecar outbound capture port, host order (15001) */
	__u16 inbound_port;  /* sidecar inbound capture port, host order (15006) */
	__u32 flags;         /* POD_HAS_SIDECAR */
	__u32 ip4;           /* the pod's IPv4 address, 0 if none */
	__u32 ip6[4];        /* the pod's IPv6 address, all zero if none */
};

#define PORT_INBOUND 0x10000 /* port_key.port flag: an inbound port the sidecar must not capture */

struct port_key {
	__u32 pod_id;
	__u32 port; /* host order; | PORT_INBOUND for inbound exclusions */
};

struct cidr4_key {
	__u32 prefixlen; /* 32 (pod id) + CIDR prefix */
	__u32 pod_id;
	__u32 addr;
};

struct cidr6_key {
	__u32 prefixlen; /* 32 (pod id) + CIDR prefix */
	__u32 pod_id;
	__u32 addr[4];
};

#define CONN_HAS_ORIG_DST 1 /* destination was rewritten; getsockopt answers orig */
#define CONN_ACCELERATE 2   /* both ends are local meshed endpoints: use the sockhash */

/* Where a redirected connection was going before connect() rewrote it. */
struct conn_info {
	__u32 addr[4]; /* original destination; IPv4 in addr[0] */
	__u16 port;    /* original destination port, host order */
	__u16 family;  /* AF_INET or AF_INET6 */
	__u32 flags;   /* CONN_* */
	__u32 pod_id;  /* the connecting pod */
	__u32 pad;
};

/*
 * A TCP connection seen from one of its sockets: local first. IPv4 uses addr[0].
 * Loopback connections of different pods can have identical tuples, so those keys carry
 * the network namespace cookie; connections between pod addresses carry 0.
 */
struct sock_key {
	__u32 local[4];
	__u32 remote[4];
	__u32 local_port;  /* host order */
	__u32 remote_port; /* host order */
	__u32 family;
	__u32 pad;
	__u64 netns;
};

/* Counter slots of ml_counters; the agent's Counter enum follows this order. */
enum ml_counter {
	C_CONNECT_REDIRECTED_OUTBOUND, /* app connect() sent to its sidecar's outbound port */
	C_CONNECT_REDIRECTED_INBOUND,  /* sidecar connect() sent to a local pod's inbound port */
	C_ORIG_DST_ANSWERED,           /* SO_ORIGINAL_DST answered from ml_conn_by_tuple */
	C_ORIG_DST_MISSED,             /* SO_ORIGINAL_DST asked on a socket we did not redirect */
	C_SOCKETS_INSERTED,            /* established sockets added to ml_sock_hash */
	C_SOCKHASH_FULL,               /* insert failed (map full or busy): connection not accelerated */
	C_MSG_REDIRECTED,              /* sk_msg sent straight to the peer socket */
	C_BYTES_REDIRECTED,            /* bytes in those messages */
	C_REDIRECT_FAILED,             /* peer socket not in ml_sock_hash: message took the stack */
	C_PASS_NOT_MESHED,             /* connect() from a cgroup that is no registered pod */
	C_PASS_NS_DISABLED,            /* pod's namespace not accelerated */
	C_PASS_SIDECAR_UID,            /* the sidecar's own connection to a non-pod destination */
	C_PASS_LOOPBACK,               /* destination is loopback */
	C_PASS_EXCLUDED_PORT,          /* destination port excluded for the pod */
	C_PASS_EXCLUDED_CIDR,          /* destination address excluded for the pod */
	C_PASS_NO_SIDECAR,             /* pod registered without a sidecar */
	C_PASS_CAPTURE_PORT,           /* destination already a capture port (15001/15006) */
	C_CONNECTIONS_ACCELERATED,     /* connections whose sockets were both meant for ml_sock_hash */
	/* tc ingress on a pod's interface, one count per inbound SYN (later segments follow the socket it made) */
	C_INBOUND_ASSIGNED,            /* SYN handed to the pod sidecar's transparent inbound listener (bpf_sk_assign) */
	C_INBOUND_PASS_NOT_MESHED,     /* destination is no registered pod: left to the stack */
	C_INBOUND_PASS_NO_SIDECAR,     /* destination pod registered without a sidecar */
	C_INBOUND_PASS_NS_DISABLED,    /* destination pod's namespace not accelerated */
	C_INBOUND_PASS_EXCLUDED_PORT,  /* destination port excluded from inbound capture for the pod */
	C_INBOUND_PASS_CAPTURE_PORT,   /* destination already a capture port (a same-node sidecar's redirected connect) */
	C_INBOUND_PASS_EXISTING,       /* a socket already owns the tuple (retransmitted SYN): the stack delivers it */
	C_INBOUND_PASS_NO_LISTENER,    /* the sidecar is not listening: pass-through, the app gets the connection */
	C_INBOUND_ASSIGN_FAILED,       /* bpf_sk_assign refused the listener: pass-through */
	C_MAX,
};

/* Registered pods by the cgroup-v2 id of their directory: connect hooks look up the task's ancestors here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pod_info);
} ml_pod_by_cgrp SEC(".maps") __weak;

/* Registered pods by IPv4 address: a sidecar connecting to one goes to its inbound port. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pod_info);
} ml_pod_by_ip4 SEC(".maps") __weak;

/* Registered pods by IPv6 address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32[4]);
	__type(value, struct pod_info);
} ml_pod_by_ip6 SEC(".maps") __weak;

/* Namespaces whose pods are accelerated: ns_id -> 1. Absent means not accelerated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} ml_ns_accel SEC(".maps") __weak;

/* Destination ports that bypass a pod's sidecar (outbound, or inbound with PORT_INBOUND): 1 = bypass. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct port_key);
	__type(value, __u32);
} ml_excl_ports SEC(".maps") __weak;

/* Outbound IPv4 CIDRs per pod, longest prefix over pod id + address: 1 bypasses the sidecar, 0 re-includes. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cidr4_key);
	__type(value, __u32);
} ml_excl_cidr4 SEC(".maps") __weak;

/* Outbound IPv6 CIDRs per pod, as ml_excl_cidr4. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cidr6_key);
	__type(value, __u32);
} ml_excl_cidr6 SEC(".maps") __weak;

/* connect() decisions by socket cookie, until sockops sees the connection established. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct conn_info);
} ml_conn_by_cookie SEC(".maps") __weak;

/* Established redirected/accelerated connections by the connecting socket's tuple. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sock_key);
	__type(value, struct conn_info);
} ml_conn_by_tuple SEC(".maps") __weak;

/* Sockets of accelerated connections; sk_msg redirects to the peer found here. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 65536);
	__type(key, struct sock_key);
	__type(value, __u32);
} ml_sock_hash SEC(".maps") __weak;

/* Per-CPU event counters indexed by enum ml_counter; the agent sums them off the hot path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ml_counters SEC(".maps") __weak;

/* The same slots per pod: pod_id -> per-CPU counters. The agent creates and deletes entries. */
struct pod_counters {
	__u64 c[C_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pod_counters);
} ml_pod_counters SEC(".maps") __weak;

/* Which pod an accelerated socket belongs to, so sk_msg can count per pod. */
struct sock_pod {
	__u32 pod_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_pod);
} ml_sock_pod SEC(".maps") __weak;

static __always_inline void count(enum ml_counter which, __u64 by)
{
	__u32 key = which;
	__u64 *slot = bpf_map_lookup_elem(&ml_counters, &key);
	if (slot)
		*slot += by;
}

/* Counts node-wide and, when the pod is known (pod_id != 0), for the pod. */
static __always_inline void count_pod(__u32 pod_id, enum ml_counter which, __u64 by)
{
	count(which, by);
	if (!pod_id)
		return;
	struct pod_counters *pod = bpf_map_lookup_elem(&ml_pod_counters, &pod_id);
	if (pod && which < C_MAX)
		pod->c[which] += by;
}

static __always_inline int ns_accelerated(const struct pod_info *pod)
{
	__u32 *on = bpf_map_lookup_elem(&ml_ns_accel, &pod->ns_id);
	return on && *on;
}

static __always_inline int is_loopback4(__u32 addr_be)
{
	return (bpf_ntohl(addr_be) >> 24) == 127;
}

static __always_inline int is_loopback6(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == bpf_htonl(1);
}

/* Loopback tuples are only unique within a network namespace. */
static __always_inline int key_is_loopback(const struct sock_key *k)
{
	if (k->family == AF_INET)
		return is_loopback4(k->local[0]);
	return is_loopback6(k->local);
}

/* remote_port of sock_ops/sk_msg is network order, in the upper half on older kernels. */
static __always_inline __u32 remote_port_host(__u32 raw)
{
	__u16 be = raw > 0xffff ? (__u16)(raw >> 16) : (__u16)raw;
	return bpf_ntohs(be);
}

static __always_inline int is_v4_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/*
 * Dual-stack sockets (Java's default) see IPv4 peers as ::ffff:a.b.c.d; keep every key
 * of an IPv4 connection in IPv4 form so both ends agree whatever their socket family.
 */
static __always_inline void normalize_key(struct sock_key *k)
{
	if (k->family == AF_INET6 && is_v4_mapped(k->local) && is_v4_mapped(k->remote)) {
		k->family = AF_INET;
		k->local[0] = k->local[3];
		k->remote[0] = k->remote[3];
		k->local[1] = k->local[2] = k->local[3] = 0;
		k->remote[1] = k->remote[2] = k->remote[3] = 0;
	}
}

static __always_inline void swap_key(const struct sock_key *in, struct sock_key *out)
{
	__builtin_memcpy(out->local, in->remote, sizeof(out->local));
	__builtin_memcpy(out->remote, in->local, sizeof(out->remote));
	out->local_port = in->remote_port;
	out->remote_port = in->local_port;
	out->family = in->family;
	out->pad = 0;
	out->netns = in->netns;
}

#endif
