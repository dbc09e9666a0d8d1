// arch/arch.h - everything arch-neutral kernel code may ask of the CPU.
//
// Each architecture implements this interface in arch/<arch>/ and chooses, at
// compile time, which functions are inline (arch/<arch>/include/arch_inline.h,
// found through the include path the Makefile sets). There are no virtual
// calls and no `#ifdef ARCH` in arch-neutral code: compare SerenityOS's
// Kernel/Arch/Processor.h and xv6's small per-port headers.
#pragma once

#include <stddef.h>
#include <stdint.h>

struct BootInfo;
struct TrapFrame;  // per arch: arch/<arch>/trap_frame.h

namespace arch {

// ---- Boot -----------------------------------------------------------------
// Name of this architecture as users see it ("x86_64", "aarch64").
const char* name();
// Human-readable CPU model, e.g. the CPUID brand string or the MIDR decoded.
void cpu_model(char* buf, size_t size);

// ---- Memory layout --------------------------------------------------------
// The direct map: every physical page is visible at phys + DIRECT_MAP_BASE.
inline uintptr_t phys_to_virt(uintptr_t phys);
inline uintptr_t virt_to_phys(uintptr_t virt);
// Build the kernel's final page tables (W^X image, whole-RAM direct map) and
// switch to them, dropping the boot identity mapping.
void paging_init(const BootInfo& boot);

// Mapping permissions, arch-neutral; each arch turns them into its bits.
enum MapFlags : uint32_t {
    kMapRead = 1 << 0,
    kMapWrite = 1 << 1,
    kMapExec = 1 << 2,
    kMapUser = 1 << 3,    // reachable from user mode (ring 3 / EL0)
    kMapDevice = 1 << 4,  // MMIO: uncached, strongly ordered
};

// One address space's translation tables: 4 KiB pages (the kernel's direct
// map may use large pages). Table pages come from the page allocator.
// The kernel uses one for itself; each process will have its own.
class PageTable {
public:
    // Allocates an empty top-level table. Returns false when out of memory.
    bool create();
    // Maps [va, va+size) to [pa, pa+size); page aligned. Returns 0, or
    // -ENOMEM / -EEXIST (a page already mapped) / -EINVAL (misaligned).
    int map(uintptr_t va, uintptr_t pa, size_t size, uint32_t flags);
    // Removes mappings in [va, va+size) (does not free the mapped frames).
    void unmap(uintptr_t va, size_t size);
    // Looks up one virtual address: true and its physical address and
    // flags if mapped.
    bool lookup(uintptr_t va, uintptr_t* pa, uint32_t* flags) const;
    // Makes this the current translation (CR3 / TTBR0 or TTBR1).
    void activate() const;
    // Frees every table page (not the mapped frames).
    void destroy();
    uintptr_t root_phys() const { return root_phys_; }

private:
    uintptr_t root_phys_ = 0;
};

// The kernel's own tables, built by paging_init().
PageTable& kernel_page_table();

// ---- Traps, interrupts and time -------------------------------------------
// Install exception vectors (x86 IDT with a double-fault stack; AArch64
// VBAR_EL1). Unexpected exceptions then produce a decoded report.
void traps_init();
// Bring up the interrupt controller(s) and this CPU's timer hardware, idle
// until set_timer_deadline(). Its interrupt calls timer_interrupt()
// (kernel/timer.h). Each other CPU sets up its own timer as it starts.
void interrupts_init(const BootInfo& boot);
// Programs this CPU's one-shot timer: one interrupt once cycle_counter()
// reaches `counter` (an absolute value; one already passed interrupts at
// once). Replaces the previous setting: each CPU has one comparator, and
// kernel/timer.cpp multiplexes its timers onto it (Linux's clock event
// device, set_next_event). x86-64: the local APIC timer in TSC-deadline
// mode (or one-shot mode, counting down); AArch64: CNTV_CVAL_EL0. Call
// with interrupts off.
void set_timer_deadline(uint64_t counter);
inline void interrupts_enable();
inline void interrupts_disable();
inline bool interrupts_enabled();
// Sleeps until an interrupt is pending (hlt / wfi) and leaves interrupts
// enabled, so that it is taken. Called with interrupts off (the idle loop:
// a wake-up IPI that arrives after its last look at the run queues then
// ends the sleep instead of being taken before it), or on.
inline void wait_for_interrupt();
// The free-running counter every timestamp in Handoff comes from: the TSC on
// x86-64, CNTVCT_EL0 on AArch64. Under QEMU icount both advance exactly once
// per guest instruction, which is what `make bench` relies on.
inline uint64_t cycle_counter();
// Ticks of cycle_counter() per second (calibrated TSC / CNTFRQ_EL0).
uint64_t cycle_counter_hz();
// The timer hardware's own clock (LAPIC bus clock / CNTFRQ), for the banner.
uint64_t timer_source_hz();

// A loop of exactly `iterations` x kCalibrationLoopInsns instructions (plus
// a few to enter and leave), written in assembly so the compiler cannot
// change it. The first benchmark row times it to prove that under icount
// one counter tick is one guest instruction.
void calibration_loop(uint64_t iterations);
constexpr uint64_t kCalibrationLoopInsns = 2;

// ---- CPUs ------------------------------------------------------------------
inline unsigned cpu_id();
// Tell the CPU we are busy-waiting (pause / yield).
inline void cpu_relax();
// Current frame pointer, for backtraces (kernel built -fno-omit-frame-pointer).
inline uintptr_t frame_pointer();

// ---- SMP -------------------------------------------------------------------
// Starts every other CPU the firmware describes (x86-64: INIT-SIPI-SIPI to
// the APIC IDs in the ACPI MADT; AArch64: PSCI CPU_ON for the device tree's
// /cpus). Each new CPU sets itself up (per-CPU data, descriptor tables or
// vectors, MMU on the kernel's tables, its interrupt-controller interface and
// timer) and then calls secondary_cpu_main() (kernel/main.h), never to
// return. Returns once every started CPU has checked in; the result is the
// number of CPUs online, the boot CPU included.
unsigned start_secondary_cpus(const BootInfo& boot);
// CPUs online (1 until start_secondary_cpus has run).
unsigned online_cpus();
// Interrupts `cpu` so that it leaves wait_for_interrupt() and looks at its
// run queue (Linux's smp_send_reschedule). Harmless if it is busy.
void send_reschedule_ipi(unsigned cpu);
// Runs fn(arg) on `cpu` (in its interrupt context, so: short, no blocking)
// and returns when it has finished (Linux's smp_call_function_single with
// wait=1). Call with interrupts on, from thread context.
void run_on_cpu(unsigned cpu, void (*fn)(void*), void* arg);

// ---- Stopping ----------------------------------------------------------------
// Stop this CPU forever with interrupts off.
[[noreturn]] void halt();
// Leave QEMU with a status: 0 = success, anything else = failure. The test
// runner maps QEMU's own exit code back (see tests/run_qemu.py).
[[noreturn]] void shutdown(int status);

// ---- Saved kernel contexts (setjmp/longjmp) --------------------------------
// Used by kernel/trap_catch.h to resume after an expected kernel exception.
// Holds the callee-saved registers, stack pointer and resume address; 16
// slots fit both arches (x86-64 uses 8, AArch64 13).
struct JumpBuffer {
    uint64_t regs[16];
};

// ---- Threads -------------------------------------------------------------
// ThreadContext (the kernel registers of a switched-out thread) and
// UserCpuState (user-visible state the kernel must switch: FP/SIMD registers
// and the thread pointer) are defined per arch in arch_inline.h.
struct ThreadContext;
struct UserCpuState;

// Prepares `context` so that the first switch_context() to it calls
// entry(arg) on the stack ending at stack_top. `entry` must not return.
void init_thread_context(ThreadContext* context, uintptr_t stack_top, void (*entry)(void*), void* arg);

// Saves the current kernel context in *from and resumes *to. Returns when
// some other thread switches back to *from. Interrupts must be off.
extern "C" void switch_context(ThreadContext* from, const ThreadContext* to);

// The kernel stack the CPU switches to when a trap arrives from user mode
// (x86-64: TSS.RSP0 and the SYSCALL entry's stack; AArch64: SP_EL1 is the
// thread's kernel stack already, so only bookkeeping). Called on every
// switch to a thread that has a user half.
void set_kernel_stack(uintptr_t stack_top);

// User-visible CPU state of a thread, saved and restored around switches.
void init_user_cpu_state(UserCpuState* state);
void save_user_cpu_state(UserCpuState* state);
void load_user_cpu_state(const UserCpuState* state);
void set_thread_pointer(UserCpuState* state, uintptr_t tp);  // FS base / TPIDR_EL0
uintptr_t thread_pointer(const UserCpuState* state);
// arch_prctl(2) for the current thread (x86-64: ARCH_SET_FS, ARCH_GET_FS,
// ...); other arches return -EINVAL.
long prctl(UserCpuState* state, int code, uintptr_t addr);

// ---- User mode ---------------------------------------------------------------
// The lowest address above user space: [0, kUserTop) is the user half.
// (Defined in arch_inline.h: 0x00007ffffffff000 on x86-64 (47 bits less the last page),
// 0x0001000000000000 on AArch64 (48 bits, TTBR0).)

// Fills `frame` so that returning through it enters user mode at `pc` with
// stack pointer `sp`, all other registers zero, interrupts enabled.
void init_user_frame(TrapFrame* frame, uintptr_t pc, uintptr_t sp);
// Leaves the kernel through `frame` (which must be at the top of the current
// kernel stack); used to start a new process or thread.
[[noreturn]] void return_to_user(TrapFrame* frame);

// The Linux system-call ABI of this arch, read from / written to a frame.
// Inline (arch_inline.h): they sit on every system call's path.
inline uint64_t syscall_number(const TrapFrame* frame);
inline uint64_t syscall_arg(const TrapFrame* frame, unsigned index);  // 0..5
inline void set_syscall_result(TrapFrame* frame, uint64_t value);
// For clone(): the child's copy of the frame gets a new stack pointer.
inline void set_user_stack_pointer(TrapFrame* frame, uintptr_t sp);
inline uintptr_t user_pc(const TrapFrame* frame);

// Copies n bytes between kernel and user memory with faults caught: returns
// the number of bytes NOT copied (0 = success). Opens the SMAP/PAN window
// only for the copy. Callers check the range first (kernel/uaccess.h).
extern "C" size_t copy_user(void* dst, const void* src, size_t n);
// Copies a NUL-terminated string of at most `max` bytes including the NUL:
// returns its length, -1 on a fault, or `max` if no NUL was found.
extern "C" long copy_user_string(char* dst, const char* user_src, size_t max);

}  // namespace arch

// Return 0 when saving; `value` (never 0) when resumed by arch_longjmp.
extern "C" [[gnu::returns_twice]] int arch_setjmp(arch::JumpBuffer* buffer);
extern "C" [[noreturn]] void arch_longjmp(arch::JumpBuffer* buffer, int value);

#include <arch_inline.h>
