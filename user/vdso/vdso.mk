# user/vdso/vdso.mk -- building the vDSO and putting it into the kernel (make fragment).
#
# Included by the top-level Makefile, which defines ARCH and BUILD (and Q/say, the quiet
# output helpers, when present). Provides:
#
#   VDSO_SO        $(BUILD)/vdso/vdso.so        the image the kernel maps (stripped)
#   VDSO_DBG       $(BUILD)/vdso/vdso.so.dbg    the same with symbols and debug info, for gdb:
#                                               add-symbol-file $(VDSO_DBG) <vDSO base + .text>
#   VDSO_IMAGE_O   $(BUILD)/vdso/vdso_image.o   the .so's bytes as kernel rodata, between
#                                               vdso_image_start and vdso_image_end: link it
#                                               into the kernel (kernel/vdso/vdso.cpp maps it)
#
# The vDSO is neither kernel nor ordinary user code: it runs in user mode but links against
# nothing (no newlib, no crt0), so it has its own flags here. Every link is checked by
# user/vdso/check_vdso.sh: no relocations, one read+exec segment, the expected symbols at
# the expected version; a failing check fails the build.
#
# When user/lib/user.mk was included first, also declares the user programs
#   vdso_tests   (user/tests/vdso_tests.cpp: the in-guest vDSO tests, also run on Linux)
#   bench_vdso   (user/bench/vdso_bench.cpp: the benchmark rows, for tools/bench.py)
#
# On its own:  make -f user/vdso/vdso.mk ARCH=aarch64            builds and checks the vDSO
#              make -f user/vdso/vdso.mk ARCH=x86_64 vdso-user    also vdso_tests, bench_vdso
# (BUILD=dir on the command line puts everything under dir instead of build/ARCH.)

# Wherever this file is included, it must not become the default goal of the including
# Makefile: remember that goal here and restore it at the end.
VDSO_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

ifeq ($(firstword $(MAKEFILE_LIST)),user/vdso/vdso.mk)
  VDSO_STANDALONE := 1
  ARCH ?= x86_64
  BUILD ?= build/$(ARCH)
  ifneq ($(V),1)
    Q := @
    say = @echo "  $(1)	$(2)"
  endif
  # For the user programs below (newlib is built, once, only if one of them is asked for).
  include user/lib/user.mk
endif

ifeq ($(ARCH),x86_64)
  VDSO_CROSS :=
  VDSO_ARCH_FLAGS :=
else ifeq ($(ARCH),aarch64)
  VDSO_CROSS := aarch64-linux-gnu-
  # Out-of-line atomics would call helpers the vDSO does not have.
  VDSO_ARCH_FLAGS := -mno-outline-atomics
else
  $(error vdso.mk: ARCH must be x86_64 or aarch64, not '$(ARCH)')
endif

VDSO_CXX := $(VDSO_CROSS)g++
VDSO_CC := $(VDSO_CROSS)gcc
VDSO_OBJCOPY := $(VDSO_CROSS)objcopy

VDSO_SO := $(BUILD)/vdso/vdso.so
VDSO_DBG := $(BUILD)/vdso/vdso.so.dbg
VDSO_IMAGE_O := $(BUILD)/vdso/vdso_image.o
VDSO_OBJ := $(BUILD)/vdso/vdso.o

# -fPIC: the kernel maps it anywhere. -ffreestanding -fno-builtin: no library, and no
# memset/memcpy calls the compiler might invent. -mgeneral-regs-only: the clock code needs
# no FP/SIMD registers; keeping out of them means it can never disturb a caller's.
VDSO_CXXFLAGS := -std=c++20 -O2 -g -fPIC -ffreestanding -fno-builtin -fno-exceptions -fno-rtti \
  -fno-stack-protector -fasynchronous-unwind-tables -mgeneral-regs-only -nostdlib \
  -Wall -Wextra -Werror -I. $(VDSO_ARCH_FLAGS) -MMD -MP

# Linux's own vDSO link flags, nearly (arch/x86/entry/vdso/Makefile): a shared object
# named linux-vdso.so.1, bound to itself (-Bsymbolic), both hash tables (.hash for the
# SysV lookup every parser knows, .gnu.hash for glibc's fast one), an .eh_frame_hdr so
# debuggers can unwind through it, and nothing undefined.
VDSO_LDFLAGS := -shared -nostdlib -Wl,-T,linker/vdso.ld \
  -Wl,--version-script=user/vdso/vdso-$(ARCH).map -Wl,-soname=linux-vdso.so.1 \
  -Wl,--hash-style=both -Wl,--eh-frame-hdr -Wl,-Bsymbolic -Wl,--no-undefined \
  -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none

$(VDSO_OBJ): user/vdso/vdso.cpp
	@mkdir -p $(@D)
	$(call say,CXX,$<)
	$(Q)$(VDSO_CXX) $(VDSO_CXXFLAGS) -c $< -o $@

$(VDSO_DBG): $(VDSO_OBJ) linker/vdso.ld user/vdso/vdso-$(ARCH).map
	$(call say,LD,$@)
	$(Q)$(VDSO_CXX) $(VDSO_LDFLAGS) -o $@ $(VDSO_OBJ)

# Stripped of .symtab and debug info; .dynsym (what programs look up) stays.
$(VDSO_SO): $(VDSO_DBG) user/vdso/check_vdso.sh
	$(call say,STRIP,$@)
	$(Q)$(VDSO_OBJCOPY) --strip-all $< $@.tmp
	$(Q)user/vdso/check_vdso.sh $(ARCH) $@.tmp $< || { rm -f $@.tmp; exit 1; }
	$(Q)mv $@.tmp $@

# Assembled with the kernel's compiler flags' essentials; .incbin's file is not seen by
# -MMD, hence the explicit dependency on $(VDSO_SO).
$(VDSO_IMAGE_O): kernel/vdso/vdso_image.S $(VDSO_SO)
	@mkdir -p $(@D)
	$(call say,AS,$<)
	$(Q)$(VDSO_CC) -c -DVDSO_SO_PATH='"$(VDSO_SO)"' $< -o $@

.PHONY: vdso vdso-host-test
vdso: $(VDSO_SO) $(VDSO_IMAGE_O)

# The host tests (x86-64 Linux): build the vDSO for both arches and run
# tests/run_vdso_host_tests.sh, which ends with "N passed, M failed".
vdso-host-test:
	tests/run_vdso_host_tests.sh

-include $(VDSO_OBJ:.o=.d)

# ---- user programs (only when user/lib/user.mk is in) ---------------------------------------
ifdef USER_CRT0
# vdso_parse.o and vdso_time.o are named here explicitly, so these programs link whether or
# not libhandoff.a carries them yet (once it does, the archive's copies are simply not used).
VDSO_USER_OBJS := $(BUILD)/user/lib/vdso_parse.o $(BUILD)/user/lib/vdso_time.o
$(eval $(call user_program,vdso_tests,$(BUILD)/user/tests/vdso_tests.o $(VDSO_USER_OBJS)))
$(eval $(call user_program,bench_vdso,$(BUILD)/user/bench/vdso_bench.o $(VDSO_USER_OBJS)))
.PHONY: vdso-user
vdso-user: $(BUILD)/user/bin/vdso_tests $(BUILD)/user/bin/bench_vdso
-include $(BUILD)/user/tests/vdso_tests.d $(BUILD)/user/bench/vdso_bench.d \
  $(VDSO_USER_OBJS:.o=.d)
endif

ifdef VDSO_STANDALONE
.DEFAULT_GOAL := vdso
else
.DEFAULT_GOAL := $(VDSO_SAVED_DEFAULT_GOAL)
endif
