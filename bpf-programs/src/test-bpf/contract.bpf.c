// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test-only, never loaded: its BTF carries the types of meshlane.h that no map holds, so the
 * agent's layout test can read them (the way Cilium's align checker declares its types).
 * meshlane.bpf.o itself has no variable of enum ml_counter, so its BTF lacks the enum.
 */
#include "../bpf/meshlane.h"

enum ml_counter ml_contract_counter;

char LICENSE[] SEC("license") = "Dual BSD/GPL";
