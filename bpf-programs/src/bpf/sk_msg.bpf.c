// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sk_msg: a message sent on an accelerated socket goes straight to the ingress queue of
 * its peer socket, skipping the TCP/IP stack. When the peer is not in the sockhash the
 * message takes the normal path: never drop.
 */
#include "meshlane.h"

SEC("sk_msg")
int ml_sk_msg(struct sk_msg_md *msg)
{
	struct sock_key key = {}, peer;

	key.family = msg->family;
	if (msg->family == AF_INET) {
		key.local[0] = CTX(msg->local_ip4);
		key.remote[0] = CTX(msg->remote_ip4);
	} else {
		key.local[0] = CTX(msg->local_ip6[0]);
		key.local[1] = CTX(msg->local_ip6[1]);
		key.local[2] = CTX(msg->local_ip6[2]);
		key.local[3] = CTX(msg->local_ip6[3]);
		key.remote[0] = CTX(msg->remote_ip6[0]);
		key.remote[1] = CTX(msg->remote_ip6[1]);
		key.remote[2] = CTX(msg->remote_ip6[2]);
		key.remote[3] = CTX(msg->remote_ip6[3]);
	}
	key.local_port = msg->local_port;
	key.remote_port = remote_port_host(msg->remote_port);
	normalize_key(&key);
	key.netns = key_is_loopback(&key) ? bpf_get_netns_cookie(msg) : 0;
	swap_key(&key, &peer);

	__u32 size = msg->size;
	struct bpf_sock *sk = msg->sk;
	struct sock_pod *owner = sk ? bpf_sk_storage_get(&ml_sock_pod, sk, 0, 0) : 0;
	__u32 pod_id = owner ? owner->pod_id : 0;

	if (bpf_msg_redirect_hash(msg, &ml_sock_hash, &peer, BPF_F_INGRESS) == SK_PASS) {
		count_pod(pod_id, C_MSG_REDIRECTED, 1);
		count_pod(pod_id, C_BYTES_REDIRECTED, size);
		return SK_PASS;
	}
	count_pod(pod_id, C_REDIRECT_FAILED, 1);
	return SK_PASS;
}
