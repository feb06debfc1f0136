#!/usr/bin/env bash
# Compiles every *.bpf.c in SRC with clang -target bpf and links them with
# `bpftool gen object` into OUT/meshlane.bpf.o (one object, one copy of each shared map).
# With --separate, each source becomes its own object instead (test programs).
set -euo pipefail
separate=0
if [[ "${1:-}" == "--separate" ]]; then separate=1; shift; fi
src="$1"; out="$2"
for tool in clang bpftool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "meshlane: '$tool' is missing, so the eBPF programs cannot be compiled." >&2
    echo "meshlane: run ./meshlane build (it installs clang, llvm, libbpf-dev and bpftool), or: apt-get install clang llvm libbpf-dev bpftool" >&2
    exit 1
  fi
done
if [[ ! -f /usr/include/bpf/bpf_helpers.h ]]; then
  echo "meshlane: libbpf headers are missing; run ./meshlane build or: apt-get install libbpf-dev" >&2
  exit 1
fi
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
objects=()
for c in "$src"/*.bpf.c; do
  name="$(basename "$c" .c)"
  clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
    -I"/usr/include/$multiarch" -I"$src" -c "$c" -o "$work/$name.o"
  objects+=("$work/$name.o")
done
if (( separate )); then
  cp "${objects[@]}" "$out/"
else
  bpftool gen object "$out/meshlane.bpf.o" "${objects[@]}"
fi
