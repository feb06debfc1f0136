// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cgroup/getsockopt: answer SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST on the sidecar's
 * accepted socket of a connection that connect() redirected. Every other call passes
 * through untouched.
 */
#include "meshlane.h"

struct sockaddr_in_wire {
	__u16 family;
	__u16 port; /* network order */
	__u32 addr;
	__u8 zero[8];
};

struct sockaddr_in6_wire {
	__u16 family;
	__u16 port; /* network order */
	__u32 flowinfo;
	__u32 addr[4];
	__u32 scope_id;
};

static __always_inline int pass(struct bpf_sockopt *ctx)
{
	/* Past one page the kernel must use the caller's own buffer: optlen 0 says so. */
	if (ctx->optlen > PAGE_SIZE)
		ctx->optlen = 0;
	return 1;
}

static __always_inline const struct conn_info *redirected(struct bpf_sockopt *ctx, struct bpf_sock *sk)
{
	struct sock_key key = {}, connector;

	key.family = sk->family;
	if (sk->family == AF_INET) {
		key.local[0] = CTX(sk->src_ip4);
		key.remote[0] = CTX(sk->dst_ip4);
	} else {
		key.local[0] = CTX(sk->src_ip6[0]);
		key.local[1] = CTX(sk->src_ip6[1]);
		key.local[2] = CTX(sk->src_ip6[2]);
		key.local[3] = CTX(sk->src_ip6[3]);
		key.remote[0] = CTX(sk->dst_ip6[0]);
		key.remote[1] = CTX(sk->dst_ip6[1]);
		key.remote[2] = CTX(sk->dst_ip6[2]);
		key.remote[3] = CTX(sk->dst_ip6[3]);
	}
	key.local_port = sk->src_port;
	key.remote_port = bpf_ntohs(sk->dst_port);
	normalize_key(&key);
	key.netns = key_is_loopback(&key) ? bpf_get_netns_cookie(ctx) : 0;
	swap_key(&key, &connector);

	const struct conn_info *info = bpf_map_lookup_elem(&ml_conn_by_tuple, &connector);
	if (!info || !(info->flags & CONN_HAS_ORIG_DST)) {
		count(C_ORIG_DST_MISSED, 1);
		return 0;
	}
	return info;
}

SEC("cgroup/getsockopt")
int ml_getsockopt(struct bpf_sockopt *ctx)
{
	int v4 = ctx->level == SOL_IP && ctx->optname == SO_ORIGINAL_DST;
	int v6 = ctx->level == SOL_IPV6 && ctx->optname == IP6T_SO_ORIGINAL_DST;
	struct bpf_sock *sk = ctx->sk;

	if ((!v4 && !v6) || !sk)
		return pass(ctx);
	const struct conn_info *info = redirected(ctx, sk);
	if (!info)
		return pass(ctx);

	if (v4 && info->family == AF_INET) {
		struct sockaddr_in_wire *out = ctx->optval;
		if ((void *)(out + 1) > ctx->optval_end)
			return pass(ctx);
		out->family = AF_INET;
		out->port = bpf_htons(info->port);
		out->addr = info->addr[0];
		__builtin_memset(out->zero, 0, sizeof(out->zero));
		ctx->optlen = sizeof(*out);
	} else if (v6 && info->family == AF_INET6) {
		struct sockaddr_in6_wire *out = ctx->optval;
		if ((void *)(out + 1) > ctx->optval_end)
			return pass(ctx);
		out->family = AF_INET6;
		out->port = bpf_htons(info->port);
		out->flowinfo = 0;
		out->addr[0] = info->addr[0];
		out->addr[1] = info->addr[1];
		out->addr[2] = info->addr[2];
		out->addr[3] = info->addr[3];
		out->scope_id = 0;
		ctx->optlen = sizeof(*out);
	} else {
		return pass(ctx);
	}
	ctx->retval = 0;
	count_pod(info->pod_id, C_ORIG_DST_ANSWERED, 1);
	return 1;
}
