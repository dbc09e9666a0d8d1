// arch/aarch64/psci.cpp - calls to the firmware (see psci.h).
#include "arch/aarch64/psci.h"

#include "kernel/lib/fdt.h"
#include "kernel/lib/string.h"

namespace {

enum class Conduit { kHvc, kSmc };

// Until the device tree has been read (and if it has no /psci node), assume
// QEMU virt's HVC: then even a panic before that can still power off.
Conduit g_conduit = Conduit::kHvc;
bool g_present = false;
uint32_t g_cpu_on = aarch64::kPsciCpuOn;

// One SMC Calling Convention call: function ID in x0, arguments in x1..x3,
// result in x0. SMCCC 1.0 lets the firmware clobber x4..x17 too (1.1 keeps
// them, but we do not ask which version we have), so tell the compiler.
// The immediate (#0) is ignored by PSCI.
uint64_t call(uint64_t function, uint64_t a1, uint64_t a2, uint64_t a3) {
    register uint64_t x0 asm("x0") = function;
    register uint64_t x1 asm("x1") = a1;
    register uint64_t x2 asm("x2") = a2;
    register uint64_t x3 asm("x3") = a3;
    if (g_conduit == Conduit::kSmc) {
        asm volatile("smc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
    } else {
        asm volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
    }
    return x0;
}

}  // namespace

namespace aarch64 {

bool psci_init(const Fdt& fdt) {
    // Newest first: a node lists every version it is compatible with.
    static const char* const kCompatible[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};
    int node = Fdt::kNone;
    const char* version = nullptr;
    for (const char* compatible : kCompatible) {
        node = fdt.find_compatible(compatible);
        if (node != Fdt::kNone) {
            version = compatible;
            break;
        }
    }
    if (node == Fdt::kNone) return false;
    const char* method = fdt.read_string(node, "method");
    if (method && strcmp(method, "smc") == 0)
        g_conduit = Conduit::kSmc;
    else if (method && strcmp(method, "hvc") == 0)
        g_conduit = Conduit::kHvc;
    else
        return false;
    // PSCI 0.1 had no standard function IDs: the node lists them.
    uint32_t id;
    if (strcmp(version, "arm,psci") == 0 && fdt.read_u32(node, "cpu_on", &id)) g_cpu_on = id;
    g_present = true;
    return true;
}

bool psci_present() { return g_present; }

const char* psci_conduit() { return g_conduit == Conduit::kSmc ? "smc" : "hvc"; }

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context_id) {
    return int64_t(call(g_cpu_on, mpidr, entry, context_id));
}

void psci_system_off() { call(kPsciSystemOff, 0, 0, 0); }

const char* psci_error_name(int64_t status) {
    switch (status) {
        case 0: return "SUCCESS";
        case -1: return "NOT_SUPPORTED";
        case -2: return "INVALID_PARAMETERS";
        case -3: return "DENIED";
        case -4: return "ALREADY_ON";
        case -5: return "ON_PENDING";
        case -6: return "INTERNAL_FAILURE";
        case -7: return "NOT_PRESENT";
        case -8: return "DISABLED";
        case -9: return "INVALID_ADDRESS";
        default: return "unknown status";
    }
}

}  // namespace aarch64
