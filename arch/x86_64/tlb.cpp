// arch/x86_64/tlb.cpp - TLB shootdowns: see tlb.h. Compare Linux's
// arch/x86/mm/tlb.c (switch_mm_irqs_off, flush_tlb_mm_range,
// native_flush_tlb_multi, flush_tlb_func).
//
// Each CPU caches translations in its TLB, and nothing tells it when a
// page-table entry changes in memory. Adding a mapping needs no care (x86
// never caches a not-present entry), but removing or weakening one does:
// until a CPU drops its cached copy it may keep reading, or writing, a frame
// the kernel has already freed and handed to someone else. On one CPU,
// `invlpg` after the change is enough (paging.cpp did just that). With
// several, every CPU that may hold the old entry must drop it, and x86 has
// no instruction to do that on another CPU (AArch64 does: TLBI ...IS is
// broadcast in hardware). So the CPU that changed the table interrupts the
// others, each flushes its own TLB, and the changer waits until all have
// answered: a "TLB shootdown". Only then may the caller free the frame.
//
// Who may hold stale entries. We use no PCIDs, so loading CR3 drops every
// non-global entry: a CPU running on another table holds none of this
// table's entries. Each CPU records its table in g_active[cpu] just before
// it loads CR3 (switch_page_table), and the shooter reads the records just
// after it changed the entries, with a full barrier on both sides. That is
// the store-buffer pattern: either the shooter sees the record (and
// interrupts that CPU) or that CPU's first walk of the table after its CR3
// load sees the new entries. Linux keeps the same information as a bit
// mask per address space (mm_cpumask). Kernel-half entries are global: they
// live in every CPU's TLB whatever its CR3, so a kernel-half change goes to
// all CPUs.
//
// The cost. A shootdown costs an IPI per target, each target's interrupt
// entry and exit, and the shooter spinning until the slowest has answered:
// microseconds on real hardware, growing with the CPU count, which is why
// Linux works hard to send fewer of them - it skips CPUs not running the
// address space (so do we), and batches (mmu_gather: one flush per munmap,
// not per page; here AddressSpace::change_pages still unmaps page by page,
// so each page of a live multi-threaded process's munmap is a shootdown).
// Past 33 pages a target reloads CR3 instead of 33 invlpg (Linux's
// tlb_single_page_flush_ceiling).
//
// Deadlock, and why there is none. The shooter may wait with interrupts off
// and holding a spinlock (AddressSpace::unmap holds the address space's lock
// with interrupts off). Two situations would then hang forever if a target
// could only answer from its IPI handler:
//   1. Two CPUs shoot down at once, each waiting for the other with
//      interrupts off: neither takes the other's IPI.
//   2. A target spins, interrupts off, on a lock the shooter holds: another
//      thread of the same process faults on the other CPU and wants the
//      address-space lock that this munmap holds.
// So a CPU also answers the requests queued for it whenever it spins: the
// shooter's own wait loop does (1), and arch::cpu_relax(), which every spin
// loop in the kernel calls (SpinLock::lock among them), does (2). For that
// to be safe the flush takes no lock and touches nothing but the TLB: it may
// run in the IPI handler or inside any spin loop of the target. (Old Linux
// got the effect of (2) by spinning with interrupts enabled in
// spin_lock_irqsave; today's Linux holds a sleeping lock, mmap_lock, with
// interrupts on and forbids smp_call_function with interrupts off.)
#include "arch/x86_64/tlb.h"

#include "arch/arch.h"
#include "arch/x86_64/cpu_regs.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp.h"
#include "kernel/mm/memmap.h"
#include "kernel/sync/spinlock.h"

namespace x86 {
namespace {

// Linux's tlb_single_page_flush_ceiling: up to this many pages, one invlpg
// each; beyond, one CR3 reload (which costs refilling the whole TLB after).
constexpr uint64_t kFlushAllCeiling = 33;

// The table each CPU last loaded into CR3, one cache line per CPU.
struct alignas(64) ActiveTable {
    uintptr_t root;
    uint64_t shootdowns_received;
};
ActiveTable g_active[kMaxCpus];

uintptr_t current_root() { return read_cr3() & kPteAddressMask; }

struct FlushRequest {
    uintptr_t root;  // the table that changed
    uintptr_t start, end;
    bool kernel_half;
};

// Drops this CPU's TLB entries for the request's range, if it can hold any.
void flush_local(const FlushRequest& r) {
    if (!r.kernel_half && current_root() != r.root) return;  // its CR3 load dropped them
    uint64_t pages = (r.end - r.start) / kPageSize;
    if (!r.kernel_half && pages > kFlushAllCeiling) {
        write_cr3(read_cr3());  // every non-global entry at once
        return;
    }
    // (A kernel-half range is never large: only invlpg drops global entries
    // short of toggling CR4.PGE.)
    for (uintptr_t va = r.start; va < r.end; va += kPageSize) invlpg(va);
}

// What a shootdown runs on each target CPU.
void flush_on_this_cpu(void* arg) {
    flush_local(*static_cast<const FlushRequest*>(arg));
    g_active[arch::cpu_id()].shootdowns_received++;
}

// What tlb_forget_page_table runs on each CPU.
void leave_table(void* arg) {
    if (current_root() == *static_cast<const uintptr_t*>(arg))
        switch_page_table(arch::kernel_page_table().root_phys());
}

}  // namespace

void switch_page_table(uintptr_t root_phys) {
    // Interrupts off: the record and CR3 change together as far as this
    // CPU's own interrupt handlers are concerned.
    InterruptsOffGuard irqs_off;
    // Record first, with a full barrier (xchg), then load: see the file
    // comment. Loading the table we are already on would only throw the
    // TLB away (threads of one process share a table), so skip it, as
    // Linux's switch_mm_irqs_off does.
    __atomic_exchange_n(&g_active[arch::cpu_id()].root, root_phys, __ATOMIC_SEQ_CST);
    if (current_root() != root_phys) write_cr3(root_phys);
}

void flush_tlb_range(uintptr_t root_phys, uintptr_t start, uintptr_t end) {
    FlushRequest request = {root_phys, start, end, start >= kKernelHalfStart};
    {
        InterruptsOffGuard irqs_off;  // the same CPU from the check to the flush
        flush_local(request);
    }
    if (arch::online_cpus() == 1) return;
    // Our entry writes before our look at the records (see the file comment).
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t targets = 0, others = other_online_cpus();
    for (unsigned cpu = 0; cpu < kMaxCpus; cpu++) {
        if (!(others & (1u << cpu))) continue;
        uintptr_t its_root = __atomic_load_n(&g_active[cpu].root, __ATOMIC_SEQ_CST);
        if (request.kernel_half || its_root == root_phys) targets |= 1u << cpu;
    }
    if (targets) call_on_cpus(targets, flush_on_this_cpu, &request);
}

void tlb_forget_page_table(uintptr_t root_phys) {
    // Every other CPU, not only those whose record names the table: a CPU
    // in the middle of switching away has already updated its record but
    // not yet CR3. A call cannot land inside switch_page_table (interrupts
    // are off there and it does not spin), so when leave_table runs, CR3 is
    // the truth. Once per address space freed, so the extra IPIs are cheap.
    uintptr_t root = root_phys;
    call_on_cpus(other_online_cpus() | (1u << arch::cpu_id()), leave_table, &root);
}

uintptr_t active_page_table(unsigned cpu) {
    return __atomic_load_n(&g_active[cpu].root, __ATOMIC_RELAXED);
}

uint64_t tlb_shootdowns_received(unsigned cpu) {
    return __atomic_load_n(&g_active[cpu].shootdowns_received, __ATOMIC_RELAXED);
}

}  // namespace x86
