// arch/x86_64/smp.cpp - the other CPUs: starting them (arch::start_secondary_
// cpus), telling them to look at their run queue (send_reschedule_ipi), and
// having them run a function (cross-CPU calls, the base of TLB shootdowns in
// tlb.cpp). Compare Linux's arch/x86/kernel/smpboot.c (do_boot_cpu,
// wakeup_secondary_cpu_via_init, start_secondary), kernel/smp.c
// (smp_call_function_many) and xv6's startothers() in main.c.
//
// Starting a CPU. At power-on only the boot CPU runs; every other waits,
// halted, for a message from another CPU's local APIC. The sequence the
// Intel MP specification (appendix B.4) and the SDM (vol. 3, 9.4.4.1) give:
//
//   INIT              resets the target into "wait for start-up"
//   wait 10 ms
//   STARTUP (SIPI)    the target starts in 16-bit real mode at page N,
//   wait 200 us       N being the 8-bit vector of the message
//   STARTUP again     in case the first was lost (an AP that started on
//   wait 200 us       the first ignores the second)
//
// What it runs there is smp_trampoline.S, copied to TRAMPOLINE_PHYS: up
// through 32-bit protected mode to 64-bit long mode on a small page table
// of its own (the kernel half, plus the trampoline's page at its own
// physical address, since the instruction after "paging on" is fetched
// from there), onto a kernel stack of its own, into
// x86_secondary_cpu_start() below. That switches to the kernel's page
// table, sets up everything a CPU has for itself - per-CPU data (GS base),
// CR0/CR4 features, GDT and TSS, IDT, SYSCALL MSRs, local APIC and its timer
// - checks in, and goes to secondary_cpu_main() (kernel/main.cpp), which
// makes it an idle CPU of the scheduler. The boot CPU starts the CPUs one at
// a time, waiting for each to check in before the next, so one copy of the
// trampoline and its parameters serves all.
//
// CPU numbers: cpu_id() is the index into g_cpus, given in the order CPUs
// come up (the boot CPU is 0), never the APIC ID: APIC IDs need not be
// dense or start at 0. Two tables translate (apic_id_of_cpu, cpu_of_apic_id).
#include "arch/x86_64/smp.h"

#include "arch/arch.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/vectors.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/main.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/sync/spinlock.h"

// smp_trampoline.S: the blob to copy, and its parameter block.
extern "C" const char x86_ap_trampoline[], x86_ap_trampoline_end[], x86_ap_trampoline_params[];

namespace x86 {

CallQueue g_call_queues[kMaxCpus];

namespace {

// ---- Timing of the start-up sequence -----------------------------------------
constexpr uint64_t kInitDelayUs = 10000;    // after INIT: 10 ms (MP spec B.4)
constexpr uint64_t kStartupDelayUs = 200;   // after each STARTUP: 200 us (SDM 9.4.4.1)
// How long a started CPU may take to check in before we give up on it.
// Under QEMU's TCG the first one needs well under a millisecond (about
// 60 us after its second STARTUP, mostly translating code it runs for the
// first time; the later ones are in before their STARTUP delays end).
// Linux gives a CPU 10 s, for hardware and hypervisors that are slow to
// hand one over.
constexpr uint64_t kCheckInTimeoutUs = 1000000;

// A CPU's first kernel stack, which becomes its idle thread's: the same
// size as every kernel stack, from the page allocator.
constexpr unsigned kStackOrder = 2;
static_assert((kPageSize << kStackOrder) == KERNEL_STACK_SIZE);

constexpr uint8_t kNoCpu = 0xff;  // in g_cpu_of_apic_id: no CPU has that APIC ID

// CPUs online: 1 (the boot CPU) until others check in. Also the index the
// next CPU to start will get; a CPU checks in by making it its index + 1.
unsigned g_online = 1;
uint8_t g_apic_ids[kMaxCpus];                 // cpu_id() -> APIC ID
uint8_t g_cpu_of_apic_id[256];               // APIC ID -> cpu_id(), or kNoCpu (set up by
                                              // start_secondary_cpus)

// Each CPU's IPI counters, only ever written by that CPU.
struct alignas(64) PerCpuIpiCounts {
    uint64_t reschedule, call_function, calls_run;
};
PerCpuIpiCounts g_ipi_counts[kMaxCpus];

void count(uint64_t* counter) { __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED); }

// Spins for `us` microseconds of TSC time (calibrated by the boot CPU).
void delay_us(uint64_t us) {
    uint64_t start = arch::cycle_counter(), cycles = arch::cycle_counter_hz() / 1000000 * us;
    while (arch::cycle_counter() - start < cycles) arch::cpu_relax();
}

// Starts the CPU with `apic_id` as CPU number g_online, through the
// trampoline whose copied parameter block is `params`. Returns true once it
// has checked in; false (and it is left halted) if it did not in time.
bool start_cpu(uint8_t apic_id, TrampolineParams* params) {
    unsigned cpu = g_online;
    uintptr_t stack = page_allocator().alloc_pages(kStackOrder);
    if (!stack) {
        kprintf("x86 smp: no memory for a stack for the CPU with APIC ID %u\n", apic_id);
        return false;
    }
    g_cpus[cpu].id = cpu;
    g_apic_ids[cpu] = apic_id;
    params->cpu = cpu;
    params->stack_top = arch::phys_to_virt(stack) + KERNEL_STACK_SIZE;
    // The parameters are plain stores and the ICR write below is an
    // uncached store: x86 keeps stores in order, so the new CPU cannot see
    // the IPI before the parameters.

    lapic_send_init(apic_id);
    delay_us(kInitDelayUs);
    for (int i = 0; i < 2; i++) {
        lapic_send_startup(apic_id, uint8_t(TRAMPOLINE_PHYS >> 12));
        delay_us(kStartupDelayUs);
    }
    uint64_t start = arch::cycle_counter();
    uint64_t timeout = arch::cycle_counter_hz() / 1000000 * kCheckInTimeoutUs;
    while (__atomic_load_n(&g_online, __ATOMIC_ACQUIRE) == cpu) {
        if (arch::cycle_counter() - start > timeout) {
            // Reset it back to waiting for a STARTUP it will not get, so it
            // cannot wake up later on a stack we have freed.
            lapic_send_init(apic_id);
            delay_us(kInitDelayUs);
            if (__atomic_load_n(&g_online, __ATOMIC_ACQUIRE) != cpu)
                panic("x86 smp: the CPU with APIC ID %u checked in after it was given up", apic_id);
            kprintf("x86 smp: the CPU with APIC ID %u did not come up within %lu ms; "
                    "leaving it out\n", apic_id, kCheckInTimeoutUs / 1000);
            page_allocator().free_pages(stack, kStackOrder);
            return false;
        }
        arch::cpu_relax();
    }
    return true;
}

// Pushes `call` onto `cpu`'s queue. Lock-free: any CPU may push at once.
void push_call(unsigned cpu, CpuCall* call) {
    CpuCall* head = __atomic_load_n(&g_call_queues[cpu].head, __ATOMIC_RELAXED);
    do {
        call->next = head;
    } while (!__atomic_compare_exchange_n(&g_call_queues[cpu].head, &head, call, true,
                                          __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

// Takes the newest request off the calling CPU's own queue, or nullptr.
// Called with interrupts off. Only the owner ever takes (one consumer,
// Linux's llist_del_first rule), and with interrupts off not even its own
// handlers can take in between: so the head cannot leave and come back
// between our load and our compare-and-swap (no ABA), and its `next`
// cannot change while it is queued. Pushes in between only make the
// compare-and-swap fail and retry with the new head.
CpuCall* pop_call(unsigned self) {
    CallQueue& queue = g_call_queues[self];
    CpuCall* head = __atomic_load_n(&queue.head, __ATOMIC_ACQUIRE);
    while (head && !__atomic_compare_exchange_n(&queue.head, &head, head->next, true,
                                                __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
    }
    return head;
}

}  // namespace

void cpu_init(unsigned cpu, uintptr_t kernel_stack_top) {
    enable_cpu_features();
    gdt_init(cpu, kernel_stack_top);
    idt_init();
    syscall_init();
}

uint8_t apic_id_of_cpu(unsigned cpu) { return g_apic_ids[cpu]; }

unsigned cpu_of_apic_id(uint8_t apic_id) {
    uint8_t cpu = g_cpu_of_apic_id[apic_id];
    return cpu < arch::online_cpus() ? cpu : kMaxCpus;
}

// ---- Cross-CPU calls ---------------------------------------------------------------

void run_pending_calls() {
    InterruptsOffGuard irqs_off;  // fn runs with interrupts off, wherever it is called from
    unsigned self = arch::cpu_id();
    // One at a time, each taken off the queue just before it runs: a fn
    // that makes cross-CPU calls of its own waits, and while it waits it
    // answers the requests still queued here (cpu_relax). Taking the whole
    // queue at once would leave those behind it, unanswered until it
    // returns - seconds, if it is a long one.
    while (CpuCall* call = pop_call(self)) {
        call->fn(call->arg);
        count(&g_ipi_counts[self].calls_run);
        // Last: once done is set the sender returns, and its stack - where
        // the request lives - is reused.
        __atomic_store_n(&call->done, true, __ATOMIC_RELEASE);
    }
}

void call_on_cpus(uint32_t cpu_mask, void (*fn)(void*), void* arg) {
    // No preemption in the kernel, so the CPU we run on cannot change
    // under us even with interrupts on.
    unsigned self = arch::cpu_id(), online = arch::online_cpus();
    CpuCall calls[kMaxCpus];
    uint32_t sent = 0;
    for (unsigned cpu = 0; cpu < online; cpu++) {
        if (cpu == self || !(cpu_mask & (1u << cpu))) continue;
        calls[cpu] = {fn, arg, nullptr, false};
        push_call(cpu, &calls[cpu]);
        // An IPI for every request, even if one is already on its way: the
        // handler empties the whole queue, so a spare IPI finds it empty and
        // costs one interrupt. (Linux sends one only when the queue was
        // empty before its push.)
        lapic_send_ipi(g_apic_ids[cpu], kVectorCallFunction);
        sent |= 1u << cpu;
    }
    // Our own share meanwhile, while the others run theirs.
    if (cpu_mask & (1u << self)) {
        InterruptsOffGuard irqs_off;
        fn(arg);
    }
    if (!sent) return;
    uint64_t start = arch::cycle_counter();
    uint64_t timeout = arch::cycle_counter_hz() * kCallTimeoutSeconds;
    for (unsigned cpu = 0; cpu < online; cpu++) {
        if (!(sent & (1u << cpu))) continue;
        // cpu_relax() also runs what others have queued for us: two CPUs
        // calling each other at once, interrupts off, each wait in here and
        // answer the other (see tlb.cpp, "Deadlock").
        while (!__atomic_load_n(&calls[cpu].done, __ATOMIC_ACQUIRE)) {
            arch::cpu_relax();
            if (arch::cycle_counter() - start > timeout)
                panic("x86 smp: cpu %u has not answered a cross-CPU call from cpu %u in %lu s", cpu,
                      self, kCallTimeoutSeconds);
        }
    }
}

uint32_t other_online_cpus() {
    return ((1u << arch::online_cpus()) - 1) & ~(1u << arch::cpu_id());
}

IpiCounts ipi_counts(unsigned cpu) {
    const PerCpuIpiCounts& c = g_ipi_counts[cpu];
    return {__atomic_load_n(&c.reschedule, __ATOMIC_RELAXED),
            __atomic_load_n(&c.call_function, __ATOMIC_RELAXED),
            __atomic_load_n(&c.calls_run, __ATOMIC_RELAXED)};
}

void handle_reschedule_ipi() { count(&g_ipi_counts[arch::cpu_id()].reschedule); }

void handle_call_function_ipi() {
    count(&g_ipi_counts[arch::cpu_id()].call_function);
    run_pending_calls();
}

}  // namespace x86

// Where every CPU but the boot CPU enters C++ (from smp_trampoline.S), on
// its first kernel stack, interrupts off, still on the trampoline's page
// table.
extern "C" [[noreturn]] void x86_secondary_cpu_start(unsigned cpu, uintptr_t stack_top) {
    arch::set_this_cpu(&g_cpus[cpu]);  // first: everything below may use this_cpu()
    // Onto the kernel's own table; the trampoline's goes away once every
    // CPU is up.
    arch::kernel_page_table().activate();
    x86::cpu_init(cpu, stack_top);
    x86::lapic_init();
    KASSERT(x86::lapic_id() == x86::g_apic_ids[cpu]);
    x86::start_local_timer();
    // Check in. From here the boot CPU may reuse the trampoline and count
    // us among the CPUs online (the scheduler's loops and IPIs).
    x86::g_cpu_of_apic_id[x86::g_apic_ids[cpu]] = uint8_t(cpu);
    __atomic_store_n(&x86::g_online, cpu + 1, __ATOMIC_RELEASE);
    secondary_cpu_main();
}

namespace arch {

unsigned start_secondary_cpus(const BootInfo& boot) {
    KASSERT(cpu_id() == 0 && online_cpus() == 1);
    uint8_t boot_apic_id = x86::lapic_id();
    x86::g_apic_ids[0] = boot_apic_id;
    memset(x86::g_cpu_of_apic_id, x86::kNoCpu, sizeof x86::g_cpu_of_apic_id);
    x86::g_cpu_of_apic_id[boot_apic_id] = 0;

    const MadtInfo* madt = x86::madt();
    if (!madt) {
        kprintf("x86 smp: no ACPI MADT to list the CPUs; running on the boot CPU only\n");
        return 1;
    }
    if (madt->cpu_count > kMaxCpus)
        kprintf("x86 smp: the MADT lists %u CPUs; starting %u (kMaxCpus)\n", madt->cpu_count,
                kMaxCpus);

    // The trampoline's copy. Its page is RAM the page allocator does not
    // manage (the first MiB), so it needs a mapping of its own to write to.
    size_t size = size_t(x86_ap_trampoline_end - x86_ap_trampoline);
    KASSERT(size <= kPageSize);
    auto* copy = reinterpret_cast<char*>(x86::map_low_ram(TRAMPOLINE_PHYS, kPageSize));
    memcpy(copy, x86_ap_trampoline, size);
    auto* params = reinterpret_cast<x86::TrampolineParams*>(
        copy + (x86_ap_trampoline_params - x86_ap_trampoline));

    // The page table the new CPUs turn paging on with: the kernel half
    // (PageTable::create shares it) plus the trampoline's page at its own
    // address, read-only and executable. CR3 is loaded in 32-bit mode, so
    // the root must lie below 4 GiB (all RAM the kernel uses does).
    PageTable trampoline_table;
    if (!trampoline_table.create() ||
        trampoline_table.map(TRAMPOLINE_PHYS, TRAMPOLINE_PHYS, kPageSize, kMapRead | kMapExec) != 0)
        panic("x86 smp: no memory for the trampoline's page table");
    KASSERT(trampoline_table.root_phys() < (1ull << 32));
    params->cr3 = uint32_t(trampoline_table.root_phys());

    unsigned listed = madt->cpu_count < kMaxCpus ? madt->cpu_count : kMaxCpus;
    for (unsigned i = 0; i < listed && online_cpus() < kMaxCpus; i++) {
        uint8_t apic_id = madt->apic_ids[i];
        if (apic_id != boot_apic_id) x86::start_cpu(apic_id, params);
    }
    trampoline_table.destroy();

    unsigned online = online_cpus();
    char ids[4 * kMaxCpus + 1] = "";
    for (unsigned cpu = 0, len = 0; cpu < online; cpu++)
        len += unsigned(ksnprintf(ids + len, sizeof ids - len, " %u", x86::g_apic_ids[cpu]));
    kprintf("x86 smp: %u of %u CPUs online (APIC IDs%s)\n", online, madt->cpu_count, ids);
    if (boot.cpu_count != madt->cpu_count)
        kprintf("x86 smp: note: fw_cfg says %u CPUs, the MADT %u\n", boot.cpu_count,
                madt->cpu_count);
    return online;
}

unsigned online_cpus() { return __atomic_load_n(&x86::g_online, __ATOMIC_ACQUIRE); }

void send_reschedule_ipi(unsigned cpu) {
    if (cpu >= online_cpus()) return;
    x86::lapic_send_ipi(x86::g_apic_ids[cpu], x86::kVectorReschedule);
}

void run_on_cpu(unsigned cpu, void (*fn)(void*), void* arg) {
    KASSERT(cpu < online_cpus());
    x86::call_on_cpus(1u << cpu, fn, arg);
}

}  // namespace arch
