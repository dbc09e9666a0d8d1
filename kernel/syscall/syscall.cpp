// kernel/syscall/syscall.cpp - from a trapped system call to its handler.
//
// The arch entry code (SYSCALL on x86-64, SVC on AArch64) saved the user's
// registers in a TrapFrame and called syscall_dispatch(). Here we look the
// number up in a table built from syscall_list.h for this arch's numbering,
// call the handler with the arguments converted to its parameter types, and
// put the result back where the user expects it. An unknown number gives
// -ENOSYS, as on Linux. Compare Linux's do_syscall_64 / invoke_syscall.
#include <utility>

#include "arch/arch.h"
#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/syscall/handlers.h"
#include "kernel/trap.h"

namespace {


// Reads the argument registers the handler takes from the frame and
// converts them to its parameter types - what Linux's SYSCALL_DEFINEn macros
// generate. A narrowing conversion (e.g. to int) keeps the low bits, as the
// C ABI does. A handler with two parameters reads two registers, no more.
template <auto Handler>
struct Adapter;

template <typename... Params, long (*Handler)(Params...)>
struct Adapter<Handler> {
    static long call(const TrapFrame* frame) {
        return invoke(frame, std::index_sequence_for<Params...>{});
    }

    template <size_t... I>
    static long invoke([[maybe_unused]] const TrapFrame* frame, std::index_sequence<I...>) {
        return Handler(static_cast<Params>(arch::syscall_arg(frame, I))...);
    }
};


// One past the highest number used on this arch.
constexpr int kTableSize = [] {
    int max = 0;
#define SYSCALL(name, x86_64, aarch64)                                      \
    if ((arch::kSyscallColumn == 0 ? x86_64 : aarch64) > max) max = (arch::kSyscallColumn == 0 ? x86_64 : aarch64);
#include "kernel/syscall/syscall_list.h"
#undef SYSCALL
    return max + 1;
}();

struct Table {
    SyscallEntry entries[kTableSize] = {};
};

constexpr Table kTable = [] {
    Table t;
#define SYSCALL(name, x86_64, aarch64)                                            \
    if constexpr ((arch::kSyscallColumn == 0 ? x86_64 : aarch64) >= 0)            \
        t.entries[arch::kSyscallColumn == 0 ? x86_64 : aarch64] = {#name, &Adapter<sys_##name>::call};
#include "kernel/syscall/syscall_list.h"
#undef SYSCALL
    return t;
}();

}  // namespace

// The table, built at compile time above; syscall_dispatch (kernel/trap.h)
// indexes it.
const SyscallEntry* const g_syscall_table = kTable.entries;
const uint64_t g_syscall_table_size = kTableSize;

const char* syscall_name(uint64_t number) {
    return number < uint64_t(kTableSize) ? kTable.entries[number].name : nullptr;
}

