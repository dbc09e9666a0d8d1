// arch/aarch64/psci.h - the Power State Coordination Interface (internal to
// arch/aarch64).
//
// An Arm kernel cannot switch CPUs on or the machine off by itself: that is
// the firmware's job (on real boards, Trusted Firmware at EL3; on QEMU virt,
// QEMU itself). PSCI is the standard way to ask: put a function ID and
// arguments in x0..x3 and trap to the firmware with SMC (to EL3) or HVC (to
// EL2) - the "conduit", which the device tree's /psci node names in its
// `method` property. The result comes back in x0. Arm DEN 0022 (PSCI) and DEN
// 0028 (SMC Calling Convention); Linux: drivers/firmware/psci/psci.c.
#pragma once

#include <stdint.h>

class Fdt;

namespace aarch64 {

// PSCI 0.2+ function IDs (SMC64 where there are two): fixed by the standard.
constexpr uint32_t kPsciCpuOn = 0xc4000003;
constexpr uint32_t kPsciSystemOff = 0x84000008;

// Return codes.
constexpr int64_t kPsciSuccess = 0;

// Reads the /psci node: the conduit, and for the original PSCI 0.1 (whose
// function IDs were not fixed) the node's own cpu_on ID. False if there is
// no usable node; calls then go through HVC, QEMU virt's conduit.
bool psci_init(const Fdt& fdt);
// Whether psci_init found a /psci node.
bool psci_present();
// "hvc" or "smc", for messages.
const char* psci_conduit();

// CPU_ON: start the CPU whose MPIDR affinity is `mpidr` at physical address
// `entry`, MMU off, with x0 = context_id. Returns a PSCI status (0 = the CPU
// is on its way, not yet that it arrived).
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context_id);
// SYSTEM_OFF: does not return if the firmware implements it.
void psci_system_off();
// A PSCI status as text ("ALREADY_ON", ...).
const char* psci_error_name(int64_t status);

}  // namespace aarch64
