// arch/x86_64/gdt.cpp - see gdt.h. Compare Linux's arch/x86/kernel/cpu/common.c
// (load_direct_gdt, cpu_init_exception_handling) and xv6's seginit().
#include "arch/x86_64/gdt.h"

namespace x86 {
namespace {

// ---- Segment descriptor bits (Intel SDM vol. 3, 3.4.5) --------------------
constexpr uint64_t kDescAccessed = 1ull << 40;  // set, so the CPU never writes it
constexpr uint64_t kDescWritable = 1ull << 41;  // data: writable; code: readable
constexpr uint64_t kDescCode = 1ull << 43;
constexpr uint64_t kDescCodeOrData = 1ull << 44;  // S: not a system descriptor
constexpr uint64_t kDescDpl3 = 3ull << 45;
constexpr uint64_t kDescPresent = 1ull << 47;
constexpr uint64_t kDescLong = 1ull << 53;        // L: 64-bit code
constexpr uint64_t kDescTss64 = 9ull << 40;       // system type: available 64-bit TSS

constexpr uint64_t kKernelCode =
    kDescPresent | kDescCodeOrData | kDescCode | kDescWritable | kDescAccessed | kDescLong;
constexpr uint64_t kKernelData = kDescPresent | kDescCodeOrData | kDescWritable | kDescAccessed;
constexpr uint64_t kUserCode = kKernelCode | kDescDpl3;
constexpr uint64_t kUserData = kKernelData | kDescDpl3;

// One CPU's descriptor tables. Intel advises aligning the GDT (16 bytes
// here) and keeping the TSS inside one page, which 128-byte alignment of its
// 104 bytes guarantees.
struct PerCpuTables {
    alignas(16) uint64_t gdt[kGdtEntries];
    alignas(128) Tss tss;
};
PerCpuTables g_tables[kMaxCpus];

// The IST stacks: kIstCount per CPU. Plain arrays in .bss, so they exist
// before the page allocator does. (No guard pages yet: an IST overflow
// would go unnoticed.)
alignas(16) uint8_t g_ist_stacks[kMaxCpus][kIstCount][kIstStackSize];

// The operand of lgdt: a 16-bit limit (size - 1) and a 64-bit address.
struct [[gnu::packed]] DescriptorTablePointer {
    uint16_t limit;
    uint64_t base;
};
static_assert(sizeof(DescriptorTablePointer) == 10);

// A 64-bit TSS descriptor takes two GDT slots: base and limit scattered over
// the first (in the old 8-byte layout) and base bits 63..32 in the second.
void set_tss_descriptor(uint64_t* slot, const Tss* tss) {
    uint64_t base = uintptr_t(tss);
    uint64_t limit = sizeof(Tss) - 1;
    slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | kDescTss64 | kDescPresent |
              (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    slot[1] = base >> 32;
}

}  // namespace

void gdt_init(unsigned cpu, uintptr_t kernel_stack_top) {
    PerCpuTables& t = g_tables[cpu];
    t.gdt[0] = 0;
    t.gdt[kKernelCodeSelector / 8] = kKernelCode;
    t.gdt[kKernelDataSelector / 8] = kKernelData;
    t.gdt[kUser32CodeSelector / 8] = 0;  // not present: see gdt.h
    t.gdt[kUserDataSelector / 8] = kUserData;
    t.gdt[kUserCodeSelector / 8] = kUserCode;
    set_tss_descriptor(&t.gdt[kTssSelector / 8], &t.tss);

    t.tss = Tss{};
    set_kernel_stack(cpu, kernel_stack_top);
    for (unsigned i = 0; i < kIstCount; i++)
        t.tss.ist[i] = uintptr_t(&g_ist_stacks[cpu][i][kIstStackSize]);  // stacks grow down
    // An I/O bitmap offset past the TSS limit means "no bitmap": with IOPL 0
    // every in/out from ring 3 then raises #GP.
    t.tss.iomap_base = sizeof(Tss);

    DescriptorTablePointer pointer = {sizeof t.gdt - 1, uintptr_t(t.gdt)};
    // lgdt only changes where the CPU looks for descriptors; the segment
    // registers keep their cached copies until reloaded. CS can only be
    // reloaded by a far transfer: push the selector and the target, lretq.
    // FS and GS are left alone: reloading them could clear the GS base that
    // already holds this CPU's Cpu pointer (set_this_cpu).
    asm volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w2, %%ds\n\t"
        "movw %w2, %%es\n\t"
        "movw %w2, %%ss\n\t"
        "ltr %w3"
        :
        : "m"(pointer), "i"(uint64_t(kKernelCodeSelector)), "r"(uint32_t(kKernelDataSelector)),
          "r"(uint32_t(kTssSelector))
        : "rax", "memory");
}

void set_kernel_stack(unsigned cpu, uintptr_t top) {
    // Both ways into the kernel from ring 3 must land on the same stack: an
    // interrupt or exception through TSS.RSP0, a system call through the
    // per-CPU copy syscall_entry.S reads (SYSCALL does not look at the TSS).
    g_tables[cpu].tss.rsp[0] = top;
    g_cpus[cpu].syscall_stack_top = top;
}
uintptr_t kernel_stack(unsigned cpu) { return g_tables[cpu].tss.rsp[0]; }

}  // namespace x86
