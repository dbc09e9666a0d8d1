// arch/x86_64/fw_cfg.h - QEMU's firmware configuration device (I/O ports).
//
// QEMU exposes machine facts to firmware through fw_cfg: write a 16-bit key
// to the selector port, read the item's bytes from the data port. Handoff
// reads the CPU count from it (key 0x05, FW_CFG_NB_CPUS) for the banner;
// see QEMU's docs/specs/fw_cfg.rst.
#pragma once

// CPUs QEMU was started with (-smp); 1 if fw_cfg is absent.
unsigned fw_cfg_cpu_count();
