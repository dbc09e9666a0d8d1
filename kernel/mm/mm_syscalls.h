// kernel/mm/mm_syscalls.h - mmap, munmap and mprotect on a given address
// space: the argument checking of the system calls, without the "current
// process" part, so that kernel tests can call them with an address space
// of their own. The sys_* handlers (kernel/syscall/handlers.h) pass
// current_process()->mm. Linux's counterparts are ksys_mmap_pgoff /
// do_mmap, __vm_munmap and do_mprotect_pkey.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/address_space.h"

// Anonymous memory only: a file mapping (no MAP_ANONYMOUS) is -ENODEV until
// files can be mapped. Returns the address or -errno, as mmap(2).
long do_mmap(AddressSpace* mm, uintptr_t addr, size_t length, int prot, int flags, int fd,
             int64_t offset);
long do_munmap(AddressSpace* mm, uintptr_t addr, size_t length);
long do_mprotect(AddressSpace* mm, uintptr_t addr, size_t length, int prot);
