// tests/host/support/arch_inline.h - a "host architecture" for unit tests.
//
// arch/arch.h ends with #include <arch_inline.h>, found through the include
// path: arch/x86_64/include/ or arch/aarch64/include/ in the kernel build,
// this directory in the host test build. Here a unit test is an ordinary
// Linux process: it has no interrupts to mask and no per-CPU registers, so
// masking only flips a per-thread flag (which tests can check is restored)
// and there is one CPU, number 0. That is enough for kernel/sync/spinlock.h,
// and so for the page allocator and the heap, to run unchanged.
#pragma once

#include <stdint.h>

namespace arch {

// The pretend interrupt-enable flag of the calling thread.
inline thread_local bool host_interrupts_on = true;

inline uintptr_t phys_to_virt(uintptr_t phys) { return phys; }
inline uintptr_t virt_to_phys(uintptr_t virt) { return virt; }

inline void interrupts_enable() { host_interrupts_on = true; }
inline void interrupts_disable() { host_interrupts_on = false; }
inline bool interrupts_enabled() { return host_interrupts_on; }
inline void wait_for_interrupt() {}

// Only ever moves forward, which is all a unit test may rely on (and it
// works the same on an x86-64 or an AArch64 build machine).
inline uint64_t host_cycles = 0;
inline uint64_t cycle_counter() { return __atomic_add_fetch(&host_cycles, 1, __ATOMIC_RELAXED); }
inline unsigned cpu_id() { return 0; }
inline void cpu_relax() {}
inline uintptr_t frame_pointer() { return uintptr_t(__builtin_frame_address(0)); }

}  // namespace arch
