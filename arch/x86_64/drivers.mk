# The devices of QEMU's x86-64 machine that Handoff drives.
#   uart16550  COM1, the console
#   i8259      the legacy PICs, only to mask them
#   i8254      the PIT, only to calibrate the TSC and the local APIC timer
#   ioapic     routes device interrupts (COM1) to a CPU
ARCH_DRIVERS := drivers/uart16550.cpp drivers/i8259.cpp drivers/i8254.cpp drivers/ioapic.cpp
