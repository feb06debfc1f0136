// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sockops: when a connection that connect() marked becomes established, record its
 * original destination under the tuple (for getsockopt) and put both of its sockets into
 * ml_sock_hash so sk_msg can hand messages straight to the peer.
 */
#include "meshlane.h"

static __always_inline void own_key(struct bpf_sock_ops *skops, struct sock_key *key)
{
	key->family = skops->family;
	if (skops->family == AF_INET) {
		key->local[0] = CTX(skops->local_ip4);
		key->remote[0] = CTX(skops->remote_ip4);
	} else {
		key->local[0] = CTX(skops->local_ip6[0]);
		key->local[1] = CTX(skops->local_ip6[1]);
		key->local[2] = CTX(skops->local_ip6[2]);
		key->local[3] = CTX(skops->local_ip6[3]);
		key->remote[0] = CTX(skops->remote_ip6[0]);
		key->remote[1] = CTX(skops->remote_ip6[1]);
		key->remote[2] = CTX(skops->remote_ip6[2]);
		key->remote[3] = CTX(skops->remote_ip6[3]);
	}
	key->local_port = skops->local_port;
	key->remote_port = remote_port_host(skops->remote_port);
	normalize_key(key);
	key->netns = key_is_loopback(key) ? bpf_get_netns_cookie(skops) : 0;
}

static __always_inline void accelerate(struct bpf_sock_ops *skops, struct sock_key *key, __u32 pod_id)
{
	struct bpf_sock *sk = skops->sk;

	if (bpf_sock_hash_update(skops, &ml_sock_hash, key, BPF_ANY) != 0) {
		count_pod(pod_id, C_SOCKHASH_FULL, 1);
		return;
	}
	count_pod(pod_id, C_SOCKETS_INSERTED, 1);
	if (sk) {
		struct sock_pod *owner = bpf_sk_storage_get(&ml_sock_pod, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (owner)
			owner->pod_id = pod_id;
	}
}

/* The pod a passive socket belongs to: the connector's own pod on loopback, else by address. */
static __always_inline __u32 local_pod(const struct sock_key *key, const struct conn_info *info)
{
	const struct pod_info *pod = 0;

	if (key->netns)
		return info->pod_id;
	if (key->family == AF_INET)
		pod = bpf_map_lookup_elem(&ml_pod_by_ip4, &key->local[0]);
	else
		pod = bpf_map_lookup_elem(&ml_pod_by_ip6, key->local);
	return pod ? pod->pod_id : 0;
}

static __always_inline void active_established(struct bpf_sock_ops *skops)
{
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct conn_info *marked = bpf_map_lookup_elem(&ml_conn_by_cookie, &cookie);
	struct sock_key key = {};

	if (!marked)
		return;
	struct conn_info info = *marked;
	bpf_map_delete_elem(&ml_conn_by_cookie, &cookie);

	own_key(skops, &key);
	bpf_map_update_elem(&ml_conn_by_tuple, &key, &info, BPF_ANY);
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
	if (info.flags & CONN_ACCELERATE) {
		count_pod(info.pod_id, C_CONNECTIONS_ACCELERATED, 1);
		accelerate(skops, &key, info.pod_id);
	}
}

static __always_inline void passive_established(struct bpf_sock_ops *skops)
{
	struct sock_key key = {}, connector;

	own_key(skops, &key);
	swap_key(&key, &connector);
	struct conn_info *info = bpf_map_lookup_elem(&ml_conn_by_tuple, &connector);
	if (info && (info->flags & CONN_ACCELERATE))
		accelerate(skops, &key, local_pod(&key, info));
}

static __always_inline void closed(struct bpf_sock_ops *skops)
{
	struct sock_key key = {};

	own_key(skops, &key);
	bpf_map_delete_elem(&ml_conn_by_tuple, &key);
}

SEC("sockops")
int ml_sockops(struct bpf_sock_ops *skops)
{
	if (skops->family != AF_INET && skops->family != AF_INET6)
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		active_established(skops);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		passive_established(skops);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (skops->args[1] == TCP_CLOSE)
			closed(skops);
		break;
	}
	return 1;
}
