# The devices of QEMU's virt machine that Handoff drives: the PL011 UART
# (console) and the GICv2 interrupt controller.
ARCH_DRIVERS := drivers/pl011.cpp drivers/gicv2.cpp
