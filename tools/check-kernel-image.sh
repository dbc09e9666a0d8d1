#!/bin/sh
# tools/check-kernel-image.sh ARCH KERNEL.elf - sanity checks on the linked kernel.
#
# x86-64: QEMU's Multiboot a.out kludge copies the file flat from its first
# loaded byte, so every PT_LOAD segment must sit in the file at the same
# distance from the first one as in physical memory. A linker-script change
# that breaks this gives a kernel that boots into garbage; catch it here.
set -eu
arch=$1 elf=$2
[ "$arch" = x86_64 ] || exit 0
delta=
readelf -lW "$elf" | while read -r type offset virt phys rest; do
    [ "$type" = LOAD ] || continue
    d=$((phys - offset))
    if [ -z "$delta" ]; then
        delta=$d
    elif [ "$d" != "$delta" ]; then
        echo "check-kernel-image: segment at physical $phys is not flat in the file" >&2
        exit 1
    fi
done
