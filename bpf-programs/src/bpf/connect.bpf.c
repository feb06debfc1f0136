// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cgroup/connect4, cgroup/connect6: send an application's outbound connection to its
 * sidecar's outbound port, and a sidecar's connection to a meshed pod on this node to
 * that pod's inbound port. The original destination is remembered under the socket
 * cookie; sockops moves it to the connection's tuple once established.
 * IPv4-mapped IPv6 destinations (dual-stack sockets) are decided as IPv4.
 */
#include "meshlane.h"

#define SOCK_STREAM 1

enum action {
	PASS,         /* leave the connection alone */
	OUTBOUND,     /* app -> its sidecar's outbound port on loopback */
	INBOUND,      /* sidecar -> the destination pod's inbound port */
	ACCEL_ONLY,   /* sidecar -> its own pod: no rewrite, but short-circuit the sockets */
};

struct decision {
	enum action action;
	__u16 port; /* new destination port for OUTBOUND / INBOUND */
};

static __always_inline void remember(void *ctx, const struct pod_info *pod, const __u32 *addr, __u16 port,
				     __u16 family, __u32 flags)
{
	struct conn_info info = {};
	__u64 cookie = bpf_get_socket_cookie(ctx);

	__builtin_memcpy(info.addr, addr, sizeof(info.addr));
	info.port = port;
	info.family = family;
	info.flags = flags;
	info.pod_id = pod->pod_id;
	bpf_map_update_elem(&ml_conn_by_cookie, &cookie, &info, BPF_ANY);
}

/* Deepest cgroup level searched for a pod: kubepods.slice/<qos>.slice/<pod>.slice sits at 3. */
#define MAX_CGROUP_DEPTH 12

/*
 * The registered pod whose cgroup is the task's own or one of its ancestors: lab
 * processes live in the pod cgroup itself, Kubernetes containers one level below it.
 */
static __always_inline const struct pod_info *pod_of_task(void)
{
	for (int level = 1; level <= MAX_CGROUP_DEPTH; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			break;
		const struct pod_info *pod = bpf_map_lookup_elem(&ml_pod_by_cgrp, &id);
		if (pod)
			return pod;
	}
	return 0;
}

/* The connecting task's pod, if it is registered, accelerated and has a sidecar. */
static __always_inline const struct pod_info *meshed_pod(void)
{
	const struct pod_info *pod = pod_of_task();

	if (!pod) {
		count(C_PASS_NOT_MESHED, 1);
		return 0;
	}
	if (!ns_accelerated(pod)) {
		count_pod(pod->pod_id, C_PASS_NS_DISABLED, 1);
		return 0;
	}
	if (!(pod->flags & POD_HAS_SIDECAR)) {
		count_pod(pod->pod_id, C_PASS_NO_SIDECAR, 1);
		return 0;
	}
	return pod;
}

static __always_inline int own_address(const struct pod_info *pod, const __u32 *addr, int v4)
{
	if (v4)
		return addr[0] == pod->ip4;
	return addr[0] == pod->ip6[0] && addr[1] == pod->ip6[1] && addr[2] == pod->ip6[2] && addr[3] == pod->ip6[3];
}

static __always_inline struct decision sidecar_decision(const struct pod_info *pod, const __u32 *addr, int v4, __u16 port)
{
	struct decision d = { .action = PASS };

	if (own_address(pod, addr, v4) || (v4 ? is_loopback4(addr[0]) : is_loopback6(addr))) {
		d.action = ACCEL_ONLY;
		return d;
	}
	const struct pod_info *target = v4 ? bpf_map_lookup_elem(&ml_pod_by_ip4, &addr[0])
					   : bpf_map_lookup_elem(&ml_pod_by_ip6, addr);
	if (!target || !(target->flags & POD_HAS_SIDECAR) || !ns_accelerated(target)) {
		count_pod(pod->pod_id, C_PASS_SIDECAR_UID, 1);
		return d;
	}
	if (port == target->inbound_port || port == target->outbound_port) {
		count_pod(pod->pod_id, C_PASS_CAPTURE_PORT, 1);
		return d;
	}
	struct port_key inbound = { .pod_id = target->pod_id, .port = port | PORT_INBOUND };
	__u32 *skip = bpf_map_lookup_elem(&ml_excl_ports, &inbound);
	if (skip && *skip) {
		count_pod(pod->pod_id, C_PASS_EXCLUDED_PORT, 1);
		return d;
	}
	d.action = INBOUND;
	d.port = target->inbound_port;
	return d;
}

static __always_inline int cidr_excluded(const struct pod_info *pod, const __u32 *addr, int v4)
{
	__u32 *excluded;

	if (v4) {
		struct cidr4_key key = { .prefixlen = 64, .pod_id = pod->pod_id, .addr = addr[0] };
		excluded = bpf_map_lookup_elem(&ml_excl_cidr4, &key);
	} else {
		struct cidr6_key key = { .prefixlen = 160, .pod_id = pod->pod_id };
		__builtin_memcpy(key.addr, addr, sizeof(key.addr));
		excluded = bpf_map_lookup_elem(&ml_excl_cidr6, &key);
	}
	/* longest prefix wins: 1 excludes, 0 re-includes a range inside an excluded one */
	return excluded && *excluded;
}

static __always_inline struct decision app_decision(const struct pod_info *pod, const __u32 *addr, int v4, __u16 port)
{
	struct decision d = { .action = PASS };
	struct port_key excluded = { .pod_id = pod->pod_id, .port = port };

	if (v4 ? is_loopback4(addr[0]) : is_loopback6(addr)) {
		count_pod(pod->pod_id, C_PASS_LOOPBACK, 1);
		return d;
	}
	if (port == pod->outbound_port || port == pod->inbound_port) {
		count_pod(pod->pod_id, C_PASS_CAPTURE_PORT, 1);
		return d;
	}
	__u32 *skip = bpf_map_lookup_elem(&ml_excl_ports, &excluded);
	if (skip && *skip) {
		count_pod(pod->pod_id, C_PASS_EXCLUDED_PORT, 1);
		return d;
	}
	if (cidr_excluded(pod, addr, v4)) {
		count_pod(pod->pod_id, C_PASS_EXCLUDED_CIDR, 1);
		return d;
	}
	d.action = OUTBOUND;
	d.port = pod->outbound_port;
	return d;
}

/* Decides, records what getsockopt and sockops will need, and counts the redirect. */
static __always_inline struct decision decide(struct bpf_sock_addr *ctx, const __u32 *addr, int v4, __u16 port)
{
	struct decision d = { .action = PASS };
	const struct pod_info *pod;
	__u16 family = v4 ? AF_INET : AF_INET6;

	if (ctx->type != SOCK_STREAM || !(pod = meshed_pod()))
		return d;
	if ((__u32)bpf_get_current_uid_gid() == pod->sidecar_uid)
		d = sidecar_decision(pod, addr, v4, port);
	else
		d = app_decision(pod, addr, v4, port);

	switch (d.action) {
	case ACCEL_ONLY:
		remember(ctx, pod, addr, port, family, CONN_ACCELERATE);
		break;
	case OUTBOUND:
		remember(ctx, pod, addr, port, family, CONN_HAS_ORIG_DST | CONN_ACCELERATE);
		count_pod(pod->pod_id, C_CONNECT_REDIRECTED_OUTBOUND, 1);
		break;
	case INBOUND:
		remember(ctx, pod, addr, port, family, CONN_HAS_ORIG_DST | CONN_ACCELERATE);
		count_pod(pod->pod_id, C_CONNECT_REDIRECTED_INBOUND, 1);
		break;
	default:
		break;
	}
	return d;
}

SEC("cgroup/connect4")
int ml_connect4(struct bpf_sock_addr *ctx)
{
	__u32 addr[4] = { ctx->user_ip4, 0, 0, 0 };
	struct decision d = decide(ctx, addr, 1, bpf_ntohs((__u16)ctx->user_port));

	if (d.action == OUTBOUND)
		ctx->user_ip4 = bpf_htonl(0x7f000001);
	if (d.action == OUTBOUND || d.action == INBOUND)
		ctx->user_port = bpf_htons(d.port);
	return 1;
}

SEC("cgroup/connect6")
int ml_connect6(struct bpf_sock_addr *ctx)
{
	__u32 addr[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };
	int v4 = is_v4_mapped(addr);

	if (v4) {
		addr[0] = addr[3];
		addr[1] = addr[2] = addr[3] = 0;
	}
	struct decision d = decide(ctx, addr, v4, bpf_ntohs((__u16)ctx->user_port));

	if (d.action == OUTBOUND) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = v4 ? bpf_htonl(0xffff) : 0;
		ctx->user_ip6[3] = v4 ? bpf_htonl(0x7f000001) : bpf_htonl(1);
	}
	if (d.action == OUTBOUND || d.action == INBOUND)
		ctx->user_port = bpf_htons(d.port);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
