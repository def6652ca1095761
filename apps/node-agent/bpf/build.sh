#!/usr/bin/env bash
# Builds the ebpf mode's programs and their helper into bpf/build/ when a source is newer than its
# output: sock-lb.o (the cgroup socket programs, clang -target bpf), nodeport-lb.o (the north-south
# tc programs) and minimesh-sock-lb (the loader and map session, with libbpf). Needs Debian's clang and libbpf-dev (tools/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p build
arch_include="/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
# A BPF object is built again when its source or a header it shares is newer.
bpf_object() {
  local src=$1 out=build/${1%.c}.o
  if [ ! -f "$out" ] || [ "$src" -nt "$out" ] || [ sock-lb-maps.h -nt "$out" ] || [ sock-lb-revnat.h -nt "$out" ]; then
    clang -O2 -g -Wall -target bpf -I"$arch_include" -c "$src" -o "$out.tmp"
    mv "$out.tmp" "$out"
  fi
}
bpf_object sock-lb.c
bpf_object nodeport-lb.c
# The UDP sweep (sock-destroy.c) reads kernel types: vmlinux.h from this kernel's BTF. Without BTF
# or bpftool it is left out, and ebpf mode works without it (connected UDP sockets then keep a
# removed backend).
if [ -r /sys/kernel/btf/vmlinux ] && command -v bpftool >/dev/null; then
  # vmlinux.h belongs to the running kernel: made again when it changes.
  if [ ! -f build/vmlinux.h ] || [ "$(cat build/vmlinux.release 2>/dev/null)" != "$(uname -r)" ]; then
    if bpftool btf dump file /sys/kernel/btf/vmlinux format c >build/vmlinux.h.tmp; then
      mv build/vmlinux.h.tmp build/vmlinux.h
      uname -r >build/vmlinux.release
    else
      rm -f build/vmlinux.h.tmp
    fi
  fi
  if [ -f build/vmlinux.h ] && { [ ! -f build/sock-destroy.o ] || [ sock-destroy.c -nt build/sock-destroy.o ] || [ sock-lb-revnat.h -nt build/sock-destroy.o ] || [ build/vmlinux.h -nt build/sock-destroy.o ]; }; then
    if clang -O2 -g -Wall -target bpf -c sock-destroy.c -o build/sock-destroy.o.tmp; then
      mv build/sock-destroy.o.tmp build/sock-destroy.o
    else
      rm -f build/sock-destroy.o.tmp build/sock-destroy.o
      echo "bpf/build.sh: the UDP sweep (sock-destroy.c) does not build here; ebpf mode works without it" >&2
    fi
  fi
fi
if [ ! -f build/minimesh-sock-lb ] || [ sock-lb-ctl.c -nt build/minimesh-sock-lb ]; then
  cc -O2 -Wall -o build/minimesh-sock-lb.tmp sock-lb-ctl.c -lbpf
  mv build/minimesh-sock-lb.tmp build/minimesh-sock-lb
fi
