# Handoff - top-level build.
#
#   make [ARCH=x86_64|aarch64]   build build/<arch>/kernel.elf (and user programs)
#   make run                      boot in QEMU, serial console on this terminal
#   make debug                    boot stopped at the first instruction + gdb
#   make test                     every test: host unit tests, both arches in QEMU
#   make bench                    guest-instruction benchmarks under QEMU icount
#
# ARCH defaults to x86_64. Everything is built into build/<arch>/.

ARCH ?= x86_64
BUILD := build/$(ARCH)
SMP ?= 1
MEM ?= 512M
APPEND ?=

ifeq ($(ARCH),x86_64)
  CROSS :=
  KERNEL_IMAGES := $(BUILD)/kernel.elf
  ARCH_CXXFLAGS := -mno-red-zone -mgeneral-regs-only -mcmodel=kernel
  # The 32-bit .boot section (entry code, its data, the boot page tables)
  # is one RWX segment by necessity; it is never mapped after boot.
  ARCH_LDFLAGS := -Wl,--no-warn-rwx-segments
else ifeq ($(ARCH),aarch64)
  CROSS := aarch64-linux-gnu-
  ARCH_CXXFLAGS := -mgeneral-regs-only -mno-outline-atomics
  # QEMU boots the flat "Image" (kernel.bin) by the Linux protocol, which is
  # what makes it load the initrd; gdb reads the symbols from kernel.elf.
  KERNEL_IMAGES := $(BUILD)/kernel.elf $(BUILD)/kernel.bin
else
  $(error ARCH must be x86_64 or aarch64, not '$(ARCH)')
endif

CXX := $(CROSS)g++

# `make V=1` shows every command; by default one short line per step, like
# Linux's kbuild.
ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @echo "  $(1)	$(2)"
endif
OBJDUMP := $(CROSS)objdump
OBJCOPY := $(CROSS)objcopy

# Kernel: freestanding C++20, no exceptions, no RTTI, frame pointers kept for
# panic backtraces and gdb. -fcheck-new: our operator new returns nullptr when
# memory runs out, and without this flag g++ assumes it never does and runs
# the constructor on the null pointer before the caller can check.
KERNEL_CXXFLAGS := -std=c++20 -ffreestanding -fno-exceptions -fno-rtti \
  -fno-threadsafe-statics -fcheck-new -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
  -fno-asynchronous-unwind-tables -nostdlib -O2 -g -Wall -Wextra -Werror \
  -I. -Iarch/$(ARCH)/include $(ARCH_CXXFLAGS) -MMD -MP
KERNEL_ASFLAGS := -I. -Iarch/$(ARCH)/include -g -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -no-pie -Wl,-z,max-page-size=4096 \
  -Wl,--build-id=none -Wl,-T,linker/kernel-$(ARCH).ld $(ARCH_LDFLAGS)

# Sources: the arch-neutral kernel, this arch's CPU code and boot code, and
# the drivers this arch's board uses (listed in arch/<arch>/drivers.mk).
include arch/$(ARCH)/drivers.mk
KERNEL_DIRS := kernel kernel/lib kernel/net kernel/mm kernel/sync kernel/sched kernel/proc kernel/futex \
  kernel/fs kernel/syscall kernel/tests kernel/vdso
# Devices every arch has: the slow disk exists only in software.
COMMON_DRIVERS := drivers/slow_disk.cpp
KERNEL_SRCS := $(sort $(wildcard $(addsuffix /*.cpp,$(KERNEL_DIRS)))) \
  $(sort $(wildcard arch/$(ARCH)/*.cpp arch/$(ARCH)/*.S)) \
  $(sort $(wildcard boot/$(ARCH)/*.S)) $(ARCH_DRIVERS) $(COMMON_DRIVERS)
KERNEL_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(KERNEL_SRCS))
KERNEL := $(BUILD)/kernel.elf

.PHONY: all kernel run debug test bench host-test guest-test deps clean initramfs
all: kernel initramfs
kernel: $(KERNEL_IMAGES)

# ---- user programs and the initramfs -----------------------------------------
# user/lib/user.mk says how programs are compiled against newlib (built once
# into a cache by user/newlib/build.sh); each *.mk below declares programs
# with $(call user_program,...). user/programs.mk comes last: it puts every
# declared program in /bin of the initramfs, a cpio "newc" archive QEMU hands
# the kernel with -initrd ($(BUILD)/initramfs.cpio).
include user/lib/user.mk
include user/lib/test_glue.mk
include user/bench/bench.mk
include user/tests/tests.mk
include user/tests/threadtests.mk
# The vDSO (user/vdso/vdso.mk): built, checked, and linked into the kernel
# image; also declares the vdso_tests and bench_vdso programs.
include user/vdso/vdso.mk
KERNEL_OBJS += $(VDSO_IMAGE_O)
# The G/M/P runtime (sched/sched.mk): libsched.a, runtime_tests, sched_bench.
include sched/sched.mk
include user/programs.mk

# ---- the kernel ----------------------------------------------------------------
$(BUILD)/obj/%.cpp.o: %.cpp
	@mkdir -p $(dir $@)
	$(call say,CXX,$<)
	$(Q)$(CXX) $(KERNEL_CXXFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CXX) $(KERNEL_ASFLAGS) -c $< -o $@

$(KERNEL): $(KERNEL_OBJS) linker/kernel-$(ARCH).ld
	$(call say,LD,$@)
	$(Q)$(CXX) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) -lgcc
	$(Q)tools/check-kernel-image.sh $(ARCH) $@

$(BUILD)/kernel.bin: $(KERNEL)
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(KERNEL_OBJS:.o=.d)

# ---- running ---------------------------------------------------------------
deps:
	@qemu/deps.sh

run: deps kernel initramfs
	qemu/qemu.sh --arch $(ARCH) --kernel $(KERNEL) --initrd $(INITRAMFS) --smp $(SMP) \
	  --mem $(MEM) --append "$(APPEND)"

debug: deps kernel initramfs
	qemu/debug.sh $(ARCH) $(KERNEL) "$(APPEND)" $(INITRAMFS)

# ---- tests -----------------------------------------------------------------
# `make test` runs everything for both arches and ends with one
# "N passed, N failed" line; tests/run_all.py says what it runs.
test: deps
	tests/run_all.py

host-test:
	cmake -S tests/host -B build/host -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build/host -j2
	ctest --test-dir build/host --output-on-failure

guest-test: kernel
	tests/run_qemu.py --arch $(ARCH) --kernel $(KERNEL) --smp $(SMP) --append "test=all"

# ---- benchmarks ------------------------------------------------------------
bench: deps
	tools/bench.py

clean:
	rm -rf build
