package io.meshlane.agent.datapath;

/** Kernel and host features the datapath needs, each with what to do when it is missing. */
public enum Feature {
    PRIVILEGES("privileges (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)",
            "run as root, or grant CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN to the agent"),
    BTF("kernel BTF (/sys/kernel/btf/vmlinux)",
            "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (every major distribution since 2020)"),
    CGROUP_V2("cgroup v2 mount",
            "mount cgroup2 (e.g. `mount -t cgroup2 none /sys/fs/cgroup/unified`) or boot with systemd.unified_cgroup_hierarchy"),
    BPFFS("bpffs mount",
            "mount -t bpf bpf /sys/fs/bpf (the agent mounts it itself when it may)"),
    CGROUP_CONNECT("cgroup connect4/connect6 hooks (BPF_PROG_TYPE_CGROUP_SOCK_ADDR)",
            "use Linux >= 4.17"),
    CGROUP_GETSOCKOPT("cgroup getsockopt hook (BPF_PROG_TYPE_CGROUP_SOCKOPT)",
            "use Linux >= 5.3"),
    SOCK_OPS("sock_ops programs", "use Linux >= 4.13 with CONFIG_CGROUP_BPF=y"),
    SK_MSG("sk_msg programs", "use Linux >= 4.17 with CONFIG_BPF_STREAM_PARSER=y"),
    SOCKHASH("sockhash maps (BPF_MAP_TYPE_SOCKHASH)", "use Linux >= 4.18 with CONFIG_BPF_STREAM_PARSER=y"),
    BPF_LINK("bpf_link cgroup attachments", "use Linux >= 5.7"),
    NETNS_COOKIE("netns cookies in sock_ops/sk_msg", "use Linux >= 5.15"),
    /** Optional: without it inbound capture uses clsact filters; never makes the datapath pass through. */
    TCX("TCX links for tc programs", "use Linux >= 6.6 (meshlane falls back to clsact filters)");

    private final String description;
    private final String remedy;

    Feature(String description, String remedy) {
        this.description = description;
        this.remedy = remedy;
    }

    public String description() {
        return description;
    }

    public String remedy() {
        return remedy;
    }
}
