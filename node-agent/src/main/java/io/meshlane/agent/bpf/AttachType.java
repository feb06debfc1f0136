package io.meshlane.agent.bpf;

/** The kernel's enum bpf_attach_type values meshlane uses. */
public enum AttachType {
    CGROUP_SOCK_OPS(3),
    SK_MSG_VERDICT(7),
    CGROUP_INET4_CONNECT(10),
    CGROUP_INET6_CONNECT(11),
    CGROUP_GETSOCKOPT(21);

    static final int F_ALLOW_MULTI = 1 << 1;

    final int value;

    AttachType(int value) {
        this.value = value;
    }
}
