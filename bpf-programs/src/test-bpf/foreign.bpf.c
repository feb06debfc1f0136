// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test-only "foreign" programs: another tool's sock_ops and getsockopt programs that are
 * attached to the same cgroup before meshlane's and must keep running beside them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Slot 0: sock_ops invocations; slot 1: getsockopt invocations. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} foreign_calls SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&foreign_calls, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("sockops")
int foreign_sockops(struct bpf_sock_ops *skops)
{
	bump(0);
	return 1;
}

SEC("cgroup/getsockopt")
int foreign_getsockopt(struct bpf_sockopt *ctx)
{
	bump(1);
	if (ctx->optlen > 4096)
		ctx->optlen = 0;
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
