#!/bin/sh
# user/vdso/check_vdso.sh ARCH VDSO.so [VDSO.so.dbg] - fail the build if the
# vDSO is not something the kernel can map as it is.
#
# The kernel copies no bytes and applies no relocations: it maps the file at
# some address and user programs call into it (kernel/vdso/vdso.cpp). So the
# file must be position independent with nothing to relocate, one read+exec
# PT_LOAD holding everything from byte 0, and no writable data. And C
# libraries find its functions by name and version through the hash table and
# the version definitions: every expected symbol must be there, exported at
# the right version. Linux checks its vDSO the same way (arch/x86/tools/
# vdso2c.c refuses relocations; arch/arm64/kernel/vdso/Makefile, `quiet_cmd_vdsold_and_check`).
set -eu
arch=$1 so=$2 dbg=${3:-}
fail=0
problem() {
    echo "check_vdso: $so: $*" >&2
    fail=1
}

case $arch in
x86_64)
    version=LINUX_2.6
    symbols="__vdso_clock_gettime __vdso_gettimeofday __vdso_time __vdso_getcpu __vdso_clock_getres"
    machine="X86-64"
    ;;
aarch64)
    version=LINUX_2.6.39
    symbols="__kernel_clock_gettime __kernel_gettimeofday __kernel_clock_getres"
    machine="AArch64"
    ;;
*) echo "check_vdso: unknown arch $arch" >&2; exit 2 ;;
esac

# readelf from binutils reads every ELF machine, so the host's serves both.
header=$(readelf -hW "$so")
echo "$header" | grep -q "Type:[[:space:]]*DYN" || problem "not a shared object (ET_DYN)"
echo "$header" | grep -q "Machine:.*$machine" || problem "not built for $arch"

# Nothing to relocate.
relocs=$(readelf -rW "$so")
echo "$relocs" | grep -q "There are no relocations in this file" ||
    problem "has relocations (a loader would have to patch it):
$relocs"
dynamic=$(readelf -dW "$so")
echo "$dynamic" | grep -q "(TEXTREL)" && problem "has DT_TEXTREL"
echo "$dynamic" | grep -q "(NEEDED)" && problem "needs another library (DT_NEEDED)"
for tag in HASH SYMTAB STRTAB VERSYM VERDEF; do
    echo "$dynamic" | grep -q "($tag)" || problem "no DT_$tag in the dynamic section"
done

# One PT_LOAD, read+exec, at address 0 and file offset 0.
loads=$(readelf -lW "$so" | grep "^ *LOAD" || true)
[ "$(echo "$loads" | grep -c LOAD)" = 1 ] || problem "wants exactly one PT_LOAD, has:
$loads"
set -- $loads
[ "${2:-}" = 0x000000 ] && [ "${3:-}" = 0x0000000000000000 ] || problem "PT_LOAD not at offset 0, address 0"
echo "$loads" | grep -q " R E " || problem "PT_LOAD is not exactly read+execute: $loads"
readelf -lW "$so" | grep -q "INTERP" && problem "has a PT_INTERP"

# No writable data and no PLT. (AArch64's ld always emits the reserved
# .got/.got.plt words, GOT[0] = &_DYNAMIC; with no relocations nothing can
# point into them. Any more than those means code uses the GOT.)
sections=$(readelf -SW "$so")
for name in .data .plt .bss; do
    size=$(echo "$sections" | awk -v n="$name" '$2 == n { print $6 }')
    [ -z "$size" ] || [ $((0x$size)) = 0 ] || problem "has a non-empty $name section"
done
got=$(echo "$sections" | awk '$2 == ".got" { print $6 }')
got_max=0
[ "$arch" = aarch64 ] && got_max=32
[ -z "$got" ] || [ $((0x$got)) -le $got_max ] || problem ".got is 0x$got bytes: code loads addresses from it"

# Every expected function, exported at the expected version (@@: the default).
dynsyms=$(readelf --dyn-syms -W "$so")
for sym in $symbols; do
    echo "$dynsyms" | grep -Eq "FUNC +GLOBAL +DEFAULT +[0-9]+ $sym@@$version\$" ||
        problem "does not export $sym@@$version"
done
versions=$(readelf -VW "$so")
echo "$versions" | grep -q "Name: $version\$" || problem "no version definition $version"

# The vvar page one page below the image (only the unstripped copy has the
# symbol table that says where the code looks for it).
if [ -n "$dbg" ]; then
    readelf -sW "$dbg" | grep -Eq "fffffffffffff000 +0 +NOTYPE +LOCAL +DEFAULT +[0-9A-Z]+ vvar_page\$" ||
        problem "vvar_page is not at -4096 ($dbg)"
fi

exit $fail
