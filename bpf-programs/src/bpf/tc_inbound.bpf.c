// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tc ingress on a pod's own interface (eth0, inside the pod's network namespace): a new
 * inbound TCP connection to a meshed, accelerated pod is handed to the pod sidecar's
 * transparent inbound listener with bpf_sk_assign, without rewriting the packet, so the
 * accepted socket's local address (getsockname) is still the original destination, as
 * Istio's TPROXY mode gives it. No iptables rule is involved.
 *
 * Why the pod side: bpf_sk_assign works only on an ingress path, and both the socket lookup
 * and the assignment happen in the namespace of the device the packet is on. The pod's eth0
 * ingress is where packets towards the pod are on ingress in the pod's namespace, the one
 * holding the sidecar's socket; the node-side veth sees them on egress, in the node's namespace.
 *
 * Only SYNs are decided: the handshake creates a request socket for the original tuple and
 * every later segment finds it (and then the accepted socket) by the kernel's own lookup.
 */
#include "meshlane.h"
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>

static __always_inline int pass(__u32 pod_id, enum ml_counter why)
{
	count_pod(pod_id, why, 1);
	return TC_ACT_OK;
}

/* The pod's listener on the original tuple's address and the sidecar's inbound port, if it listens. */
static __always_inline struct bpf_sock *sidecar_listener(struct __sk_buff *skb, struct bpf_sock_tuple *tuple,
							 __u16 inbound_port)
{
	tuple->ipv4.dport = bpf_htons(inbound_port);
	struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, tuple, sizeof(tuple->ipv4), BPF_F_CURRENT_NETNS, 0);
	if (sk && sk->state != BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		return 0;
	}
	return sk;
}

SEC("tc")
int ml_tc_inbound(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl < 5)
		return TC_ACT_OK;
	struct tcphdr *tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > end || !tcp->syn || tcp->ack)
		return TC_ACT_OK;

	__u32 daddr = ip->daddr;
	const struct pod_info *pod = bpf_map_lookup_elem(&ml_pod_by_ip4, &daddr);
	if (!pod)
		return pass(0, C_INBOUND_PASS_NOT_MESHED);
	if (!(pod->flags & POD_HAS_SIDECAR))
		return pass(pod->pod_id, C_INBOUND_PASS_NO_SIDECAR);
	if (!ns_accelerated(pod))
		return pass(pod->pod_id, C_INBOUND_PASS_NS_DISABLED);
	__u16 port = bpf_ntohs(tcp->dest);
	if (port == pod->inbound_port || port == pod->outbound_port)
		return pass(pod->pod_id, C_INBOUND_PASS_CAPTURE_PORT);
	struct port_key excluded = { .pod_id = pod->pod_id, .port = port | PORT_INBOUND };
	__u32 *skip = bpf_map_lookup_elem(&ml_excl_ports, &excluded);
	if (skip && *skip)
		return pass(pod->pod_id, C_INBOUND_PASS_EXCLUDED_PORT);

	struct bpf_sock_tuple tuple = {};
	tuple.ipv4.saddr = ip->saddr;
	tuple.ipv4.daddr = ip->daddr;
	tuple.ipv4.sport = tcp->source;
	tuple.ipv4.dport = tcp->dest;
	struct bpf_sock *owner = bpf_skc_lookup_tcp(skb, &tuple, sizeof(tuple.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (owner) {
		int listening = owner->state == BPF_TCP_LISTEN;
		bpf_sk_release(owner);
		if (!listening)
			return pass(pod->pod_id, C_INBOUND_PASS_EXISTING);
	}
	struct bpf_sock *listener = sidecar_listener(skb, &tuple, pod->inbound_port);
	if (!listener)
		return pass(pod->pod_id, C_INBOUND_PASS_NO_LISTENER);
	long err = bpf_sk_assign(skb, listener, 0);
	bpf_sk_release(listener);
	if (err)
		return pass(pod->pod_id, C_INBOUND_ASSIGN_FAILED);
	count_pod(pod->pod_id, C_INBOUND_ASSIGNED, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
