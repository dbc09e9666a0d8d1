// kernel/mm/mm_syscalls.cpp - the memory system calls: brk, mmap, munmap,
// mprotect (declared in kernel/syscall/handlers.h and mm_syscalls.h).
//
// The checks follow Linux (mm/mmap.c, mm/mprotect.c and each arch's
// sys_mmap), so a program gets the same errors on Handoff and on a Linux
// host; AddressSpace does the work. One deliberate difference: flags Linux
// does not know, or knows but we do not implement, are -EINVAL here, where
// Linux silently ignores unknown bits for the sake of old binaries.
#include "kernel/mm/mm_syscalls.h"

#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/syscall/handlers.h"

namespace {

// MAP_TYPE: the low four bits say how the mapping is shared.
constexpr uint32_t kMapTypeMask = 0x0f, kMapSharedValidate = 0x03;
// Flags accepted that need nothing from us: we never reserve swap
// (NORESERVE), have no swap to lock against (LOCKED), pages appear on first
// touch with the same contents POPULATE would give them (POPULATE,
// NONBLOCK), STACK is a hint, DENYWRITE and EXECUTABLE Linux itself ignores.
constexpr uint32_t kMapDenyWrite = 0x0800, kMapExecutable = 0x1000, kMapLocked = 0x2000,
                   kMapPopulate = 0x8000, kMapNonBlock = 0x10000;
constexpr uint32_t kMapKnown = kMapTypeMask | kMapFixed | kMapAnonymous | kMapFixedNoReplace |
                               kMapNoReserve | kMapStack | kMapDenyWrite | kMapExecutable |
                               kMapLocked | kMapPopulate | kMapNonBlock;
// Not in kMapKnown, so -EINVAL: MAP_GROWSDOWN (a region that grows on
// faults below it), MAP_HUGETLB, MAP_SYNC, MAP_32BIT, MAP_UNINITIALIZED.

AddressSpace* current_mm() {
    Process* process = current_process();
    return process ? process->mm : nullptr;
}

}  // namespace

long do_mmap(AddressSpace* mm, uintptr_t addr, size_t length, int prot, int flags, int fd,
             int64_t offset) {
    uint32_t f = uint32_t(flags);
    // Both arches' sys_mmap take the offset in bytes and insist on a whole
    // number of pages, even when it is then ignored (anonymous memory).
    if (uint64_t(offset) % kPageSize) return -EINVAL;
    uint32_t type = f & kMapTypeMask;
    if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate) return -EINVAL;
    if (f & ~kMapKnown) return -EINVAL;
    if (length == 0) return -EINVAL;
    // File mappings need the page cache (fs engineer: later). fd is only
    // looked at here: with MAP_ANONYMOUS Linux ignores it, and so do we.
    if (!(f & kMapAnonymous)) return fd < 0 ? -EBADF : -ENODEV;
    // MAP_SHARED anonymous memory is shared with children across fork.
    // Without fork (threads and vfork share the whole address space
    // anyway) it behaves exactly like MAP_PRIVATE; fork must revisit this.
    MapPlacement placement = (f & kMapFixedNoReplace) ? MapPlacement::kFixedNoReplace
                             : (f & kMapFixed)        ? MapPlacement::kFixed
                                                      : MapPlacement::kHint;
    // AddressSpace::map checks prot, rounds the length to pages without
    // overflowing (-ENOMEM for a huge one) and checks a fixed address.
    return mm->map(addr, length, uint32_t(prot), placement, RegionKind::kAnonymous);
}

long do_munmap(AddressSpace* mm, uintptr_t addr, size_t length) { return mm->unmap(addr, length); }

long do_mprotect(AddressSpace* mm, uintptr_t addr, size_t length, int prot) {
    return mm->protect(addr, length, uint32_t(prot));
}

// ---- The system calls: the current process's address space ----------------

long sys_brk(uptr addr) {
    AddressSpace* mm = current_mm();
    return mm ? long(mm->brk(addr)) : -ENOMEM;
}

long sys_mmap(uptr addr, size_t length, int prot, int flags, int fd, int64_t offset) {
    AddressSpace* mm = current_mm();
    return mm ? do_mmap(mm, addr, length, prot, flags, fd, offset) : -ENOMEM;
}

long sys_munmap(uptr addr, size_t length) {
    AddressSpace* mm = current_mm();
    return mm ? do_munmap(mm, addr, length) : -EINVAL;
}

long sys_mprotect(uptr addr, size_t length, int prot) {
    AddressSpace* mm = current_mm();
    return mm ? do_mprotect(mm, addr, length, prot) : -ENOMEM;
}
