// arch/aarch64/smp.cpp - starting the other CPUs, and interrupts between CPUs.
//
// Bring-up. QEMU (like real firmware) starts only the boot CPU; the others
// wait, powered off, until the kernel asks the firmware through PSCI
// (psci.h) to start each one: CPU_ON(target MPIDR, physical entry point,
// context id). Which CPUs exist, and their MPIDRs, the device tree says:
//
//     cpus { cpu@0 { device_type = "cpu"; reg = <0>; enable-method = "psci"; };
//            cpu@1 { ... reg = <1>; ... }; ... };
//
// A CPU that PSCI starts is in the state the boot CPU was in at _start: MMU
// off, at physical addresses, no stack, nothing set up. The boot CPU prepares
// what it will need, one CPU at a time:
//
//   a SecondaryBoot (smp.h)  the tables to turn the MMU on with, a stack,
//                            and its index in g_cpus; its physical address
//                            is the context id, so it arrives in x0;
//   an identity map          TTBR0 tables mapping just .idmap.text at its
//                            physical address, so that the instruction after
//                            "MMU on" is still there (the kernel's own tables
//                            map nothing at low addresses);
//   a kernel stack           16 KiB from the page allocator; later the
//                            stack of that CPU's idle thread.
//
// boot/aarch64/entry.S (secondary_entry) turns the MMU on with the same
// cpu_setup/enable_mmu as the boot CPU and calls aarch64_secondary_main()
// below, which sets up the rest of the CPU like the boot CPU's (per-CPU
// pointer, vectors, PAN, GIC CPU interface, timer), checks in, and enters
// the scheduler through secondary_cpu_main(). The boot CPU waits for each
// check-in with a time limit, as Linux's __cpu_up does (5 s there too).
//
// IPIs. A CPU interrupts another with a GIC software-generated interrupt
// (GicV2::send_sgi): reschedule (to make an idle CPU leave WFI and look at
// its run queue) and call-function (run_on_cpu, for tests). There is no
// TLB-shootdown IPI: AArch64 broadcasts TLB invalidation in hardware (see
// flush_tlb_page in paging.cpp).
//
// Linux: arch/arm64/kernel/smp.c (__cpu_up, secondary_start_kernel,
// smp_cross_call, handle_IPI), psci.c (cpu_psci_cpu_boot); xv6-riscv starts
// its harts from the boot loader and has no IPIs.
#include "arch/aarch64/smp.h"

#include "arch/aarch64/irq.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/psci.h"
#include "arch/aarch64/sysreg.h"
#include "arch/arch.h"
#include "drivers/gicv2.h"
#include "kernel/boot_info.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/string.h"
#include "kernel/main.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/sync/spinlock.h"

extern "C" char __idmap_text_start[], __idmap_text_end[];
extern "C" char secondary_entry[];  // boot/aarch64/entry.S

namespace {

// KERNEL_STACK_SIZE (16 KiB) as a buddy order: 2^2 pages.
constexpr unsigned kStackOrder = 2;
static_assert((kPageSize << kStackOrder) == KERNEL_STACK_SIZE);

// MPIDR_EL1's affinity fields Aff3 [39:32], Aff2 [23:16], Aff1 [15:8],
// Aff0 [7:0]: the CPU's "address", the same number as its device-tree reg.
// The other bits (U, MT, RES1 bit 31) are not part of it.
constexpr uint64_t kMpidrAffinityMask = 0xff00ffffffull;

// How long the boot CPU waits for a started CPU to check in, in seconds of
// the counter. Linux's __cpu_up waits 5 s; under QEMU a CPU takes a few ms.
constexpr uint64_t kCheckInTimeoutSeconds = 5;
// How long run_on_cpu waits for the target to answer before it panics
// (no answer means the target has interrupts off for that long: a bug).
constexpr uint64_t kCallTimeoutSeconds = 5;

unsigned g_online = 1;  // CPUs 0 .. g_online-1 are running the kernel
unsigned g_described;   // CPU nodes in the device tree
uint64_t g_mpidr[kMaxCpus];
uint8_t g_gic_mask[kMaxCpus];
uint64_t g_reschedule_ipis[kMaxCpus];  // taken, per receiving CPU

// run_on_cpu's mailbox for each target CPU: one call at a time (`lock`);
// `pending` is set by the caller after fn/arg and cleared by the target
// after fn returned.
struct CallSlot {
    SpinLock lock;
    void (*fn)(void*) = nullptr;
    void* arg = nullptr;
    bool pending = false;
};
CallSlot g_call_slots[kMaxCpus];

uint64_t read_mpidr() { return read_sysreg(mpidr_el1) & kMpidrAffinityMask; }

// Writes `size` bytes at `p` back from the data cache to main memory (to the
// Point of Coherency). The CPU we are about to start reads its SecondaryBoot
// with its MMU - and so its caches - off, straight from memory; a copy still
// sitting in our cache would be invisible to it. (QEMU models no caches, so
// it works without this there; real hardware does not.) Linux:
// dcache_clean_poc.
void clean_to_poc(const void* p, size_t size) {
    // CTR_EL0.DminLine [19:16]: log2 of the smallest data cache line, in words.
    uint64_t line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
    uintptr_t start = uintptr_t(p) & ~(line - 1), end = uintptr_t(p) + size;
    for (uintptr_t a = start; a < end; a += line) asm volatile("dc cvac, %0" ::"r"(a) : "memory");
    asm volatile("dsb sy" ::: "memory");
}

// Builds the identity map a starting CPU turns its MMU on with: the pages
// of .idmap.text at their physical address, executable at EL1, nothing
// else. (The boot CPU used boot_l0, the 4 GiB identity map entry.S built;
// that is still in the BSS, but mapping only what is needed keeps the
// "identity map" idea visible, as Linux's idmap_pg_dir does.)
bool build_idmap(arch::PageTable* idmap) {
    uintptr_t start = arch::virt_to_phys(uintptr_t(__idmap_text_start)) & ~uintptr_t(kPageSize - 1);
    uintptr_t end = (arch::virt_to_phys(uintptr_t(__idmap_text_end)) + kPageSize - 1) &
                    ~uintptr_t(kPageSize - 1);
    if (!idmap->create()) return false;
    return idmap->map(start, start, end - start, arch::kMapRead | arch::kMapExec) == 0;
}

enum class StartResult { kOnline, kPsciFailed, kNoMemory, kTimedOut };

// Starts the CPU with affinity `mpidr` as g_cpus[index] and waits for it.
StartResult start_cpu(unsigned index, uint64_t mpidr, const arch::PageTable& idmap,
                      int64_t* psci_status) {
    // A fresh SecondaryBoot for every attempt, from the heap (which is in
    // the direct map, so virt_to_phys gives its physical address). Never an
    // array slot per index: a CPU that checks in too late must find its own
    // record saying "abandoned", not the record of the CPU that got its
    // index next.
    // (kmalloc, not `new`: g++ assumes `new` never returns nullptr.)
    auto* boot = static_cast<aarch64::SecondaryBoot*>(kmalloc(sizeof(aarch64::SecondaryBoot)));
    uintptr_t stack = page_allocator().alloc_pages(kStackOrder);
    if (!boot || !stack) {
        if (boot) kfree(boot);
        if (stack) page_allocator().free_pages(stack, kStackOrder);
        return StartResult::kNoMemory;
    }
    *boot = aarch64::SecondaryBoot{};
    boot->ttbr0 = idmap.root_phys();
    boot->ttbr1 = arch::kernel_page_table().root_phys();
    boot->stack_top = arch::phys_to_virt(stack) + KERNEL_STACK_SIZE;
    boot->cpu = index;
    boot->state = aarch64::kSecondaryStarting;
    g_cpus[index].id = index;
    clean_to_poc(boot, sizeof *boot);

    *psci_status = aarch64::psci_cpu_on(mpidr, arch::virt_to_phys(uintptr_t(secondary_entry)),
                                        arch::virt_to_phys(uintptr_t(boot)));
    if (*psci_status != aarch64::kPsciSuccess) {
        kfree(boot);
        page_allocator().free_pages(stack, kStackOrder);
        return StartResult::kPsciFailed;
    }

    uint64_t deadline = arch::cycle_counter() + kCheckInTimeoutSeconds * arch::cycle_counter_hz();
    while (__atomic_load_n(&boot->state, __ATOMIC_ACQUIRE) == aarch64::kSecondaryStarting &&
           arch::cycle_counter() < deadline)
        arch::cpu_relax();
    uint32_t expected = aarch64::kSecondaryStarting;
    if (__atomic_compare_exchange_n(&boot->state, &expected, aarch64::kSecondaryAbandoned, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        // It never checked in. If it ever does, it will see kAbandoned and
        // stop; until then it may still be reading the record and using the
        // stack and the identity map, so none of them can be freed.
        return StartResult::kTimedOut;
    }
    // kOnline: the new CPU published its GIC mask before it checked in, and
    // reads nothing from the record after that.
    g_mpidr[index] = mpidr;
    g_gic_mask[index] = boot->gic_cpu_mask;
    kfree(boot);
    return StartResult::kOnline;
}

// ---- IPI handlers (in interrupt context on the receiving CPU) ---------------

void reschedule_ipi(unsigned) {
    // Nothing to do: the interrupt itself is the message. It ended the
    // receiver's WFI (sched_idle_loop then looks at the run queues), or it
    // interrupted a thread, which on its way back to user mode notices
    // need_resched or an exiting process (prepare_return_to_user). Linux's
    // scheduler_ipi does more because its wake-ups queue remote work.
    __atomic_add_fetch(&g_reschedule_ipis[arch::cpu_id()], 1, __ATOMIC_RELAXED);
}

void call_function_ipi(unsigned) {
    CallSlot& slot = g_call_slots[arch::cpu_id()];
    if (!__atomic_load_n(&slot.pending, __ATOMIC_ACQUIRE)) return;
    slot.fn(slot.arg);
    __atomic_store_n(&slot.pending, false, __ATOMIC_RELEASE);
}

}  // namespace

// The first C++ a secondary CPU runs (from entry.S's secondary_high), on
// the stack start_cpu allocated, with the MMU on, IRQs masked, and TTBR0
// still the identity map.
extern "C" [[noreturn]] void aarch64_secondary_main(aarch64::SecondaryBoot* boot) {
    Cpu* cpu = &g_cpus[boot->cpu];
    arch::set_this_cpu(cpu);  // TPIDR_EL1: arch::this_cpu() works from here on

    // The same per-CPU setup as the boot CPU's, in the same order as kmain:
    // no user address space (TTBR0 walks off, which also drops the
    // identity map); the exception vectors and EL0 controls (traps_init is
    // per-CPU work: VBAR_EL1 and SCTLR_EL1 are this CPU's registers); PAN;
    // the GIC CPU interface with this CPU's banked SGIs and PPIs; the timer.
    aarch64::user_tables_off();
    arch::traps_init();
    aarch64::pan_enable_this_cpu();
    aarch64::irq_init_this_cpu();
    aarch64::timer_start_this_cpu();
    // On GICv2 a CPU learns its own CPU-interface number only by asking the
    // distributor (the banked GICD_ITARGETSR0): tell the boot CPU, which
    // uses it to address IPIs to us.
    boot->gic_cpu_mask = gic().this_cpu_mask();

    // Check in - unless the boot CPU has given up on us and may have given
    // our index to another CPU: then we must touch nothing more.
    uint32_t expected = aarch64::kSecondaryStarting;
    if (!__atomic_compare_exchange_n(&boot->state, &expected, aarch64::kSecondaryOnline, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        arch::halt();
    }
    secondary_cpu_main();  // kernel/main.cpp: joins the scheduler, never returns
}

namespace aarch64 {

uint64_t reschedule_ipis_received(unsigned cpu) {
    return cpu < kMaxCpus ? __atomic_load_n(&g_reschedule_ipis[cpu], __ATOMIC_RELAXED) : 0;
}
uint8_t gic_cpu_mask(unsigned cpu) { return cpu < kMaxCpus ? g_gic_mask[cpu] : 0; }
uint64_t cpu_mpidr(unsigned cpu) { return cpu < kMaxCpus ? g_mpidr[cpu] : 0; }
unsigned cpus_described() { return g_described; }

}  // namespace aarch64

namespace arch {

unsigned start_secondary_cpus(const BootInfo& boot) {
    // The boot CPU: its affinity and GIC mask, and the IPIs every CPU takes
    // (registered here, so enabled in this CPU's banked GIC registers; each
    // secondary enables its own in irq_init_this_cpu).
    g_mpidr[0] = read_mpidr();
    g_gic_mask[0] = gic().this_cpu_mask();
    aarch64::irq_register(aarch64::kSgiReschedule, reschedule_ipi);
    aarch64::irq_register(aarch64::kSgiCallFunction, call_function_ipi);

    Fdt fdt;
    if (!boot.device_tree || !fdt.init(boot.device_tree, Fdt::kMaxBootSize))
        panic("smp: no usable device tree");
    int cpus = fdt.find_path("/cpus");
    if (cpus == Fdt::kNone) {
        kprintf("smp: no /cpus in the device tree: only the boot CPU\n");
        return g_online;
    }
    if (!aarch64::psci_present()) {
        kprintf("smp: no PSCI firmware interface: only the boot CPU\n");
        return g_online;
    }
    arch::PageTable idmap;
    if (!build_idmap(&idmap)) panic("smp: no memory for the identity map");
    bool idmap_in_use = false;  // by a CPU that never checked in

    for (int node = fdt.first_child(cpus); node != Fdt::kNone; node = fdt.next_sibling(node)) {
        const char* type = fdt.read_string(node, "device_type");
        if (!type || strcmp(type, "cpu") != 0) continue;  // e.g. cpu-map
        g_described++;
        const char* name = fdt.node_name(node);
        uint64_t mpidr, unused;
        if (!fdt.read_reg(node, 0, &mpidr, &unused)) {
            kprintf("smp: %s has no usable reg: skipped\n", name);
            continue;
        }
        if ((mpidr & kMpidrAffinityMask) == g_mpidr[0]) continue;  // that is us
        const char* method = fdt.read_string(node, "enable-method");
        if (!method || strcmp(method, "psci") != 0) {
            // e.g. "spin-table" (a mailbox the CPU polls): not implemented.
            kprintf("smp: %s: enable-method \"%s\" not supported: skipped\n", name,
                    method ? method : "(none)");
            continue;
        }
        if (g_online == kMaxCpus) {
            kprintf("smp: %s: more CPUs than kMaxCpus (%u): left off\n", name, kMaxCpus);
            continue;
        }
        unsigned index = g_online;
        int64_t status = 0;
        switch (start_cpu(index, mpidr, idmap, &status)) {
            case StartResult::kOnline:
                // Publish the new CPU only now: from here on the scheduler
                // may put threads on its run queue and send it IPIs.
                __atomic_store_n(&g_online, index + 1, __ATOMIC_RELEASE);
                break;
            case StartResult::kPsciFailed:
                kprintf("smp: %s (MPIDR 0x%lx): PSCI CPU_ON failed: %s\n", name, mpidr,
                        aarch64::psci_error_name(status));
                break;
            case StartResult::kNoMemory:
                kprintf("smp: %s: no memory for its stack: left off\n", name);
                break;
            case StartResult::kTimedOut:
                kprintf("smp: %s (MPIDR 0x%lx) did not come up within %lu s: left off\n", name,
                        mpidr, kCheckInTimeoutSeconds);
                idmap_in_use = true;
                break;
        }
    }
    // Every CPU that came up has switched TTBR0 away from the identity map
    // before checking in; destroy() also flushes any walk cache entries.
    if (!idmap_in_use) idmap.destroy();

    kprintf("smp: %u of %u CPUs online (PSCI CPU_ON via %s)\n", g_online, g_described,
            aarch64::psci_conduit());
    return g_online;
}

unsigned online_cpus() { return __atomic_load_n(&g_online, __ATOMIC_ACQUIRE); }

void send_reschedule_ipi(unsigned cpu) {
    if (cpu >= online_cpus()) return;
    if (cpu == cpu_id())
        gic().send_sgi_to_self(aarch64::kSgiReschedule);
    else
        gic().send_sgi(aarch64::kSgiReschedule, g_gic_mask[cpu]);
}

void run_on_cpu(unsigned cpu, void (*fn)(void*), void* arg) {
    KASSERT(cpu < online_cpus());
    if (cpu == cpu_id()) {
        InterruptsOffGuard irqs_off;  // as the interrupt on another CPU would run it
        fn(arg);
        return;
    }
    KASSERT(interrupts_enabled());
    CallSlot& slot = g_call_slots[cpu];
    // A plain lock, not SpinLockGuard: interrupts must stay on while we wait,
    // so that a call aimed at THIS CPU meanwhile is still answered.
    slot.lock.lock();
    slot.fn = fn;
    slot.arg = arg;
    __atomic_store_n(&slot.pending, true, __ATOMIC_RELEASE);
    gic().send_sgi(aarch64::kSgiCallFunction, g_gic_mask[cpu]);
    uint64_t deadline = cycle_counter() + kCallTimeoutSeconds * cycle_counter_hz();
    while (__atomic_load_n(&slot.pending, __ATOMIC_ACQUIRE)) {
        if (cycle_counter() > deadline) panic("run_on_cpu: CPU %u did not answer", cpu);
        cpu_relax();
    }
    slot.lock.unlock();
}

}  // namespace arch
