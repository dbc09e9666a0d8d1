# user/lib/user.mk -- how Handoff user programs are compiled and linked (make fragment).
#
# Included by the top-level Makefile, which defines ARCH (x86_64 | aarch64) and
# BUILD := build/$(ARCH). (Q and say, the Makefile's quiet-output helpers, are used when
# defined.) Provides:
#
#   USER_CC USER_CXX USER_AR           compilers for user code (cross on aarch64)
#   USER_CFLAGS USER_CXXFLAGS          C / C++20 flags: -nostdinc + newlib + libstdc++ headers
#   USER_ASFLAGS                       for .S files
#   USER_LDFLAGS USER_LIBS             static, -no-pie, -nostdlib, the libraries in a group
#   USER_NEWLIB                        newlib prefix (user/newlib/build.sh; built once, cached)
#   USER_CRT0                          $(BUILD)/user/lib/crt0.o   (must be linked first)
#   USER_LIBHANDOFF                    $(BUILD)/user/lib/libhandoff.a
#   USER_PROGRAMS                      every program declared with user_program (below)
#
# Rules: $(BUILD)/user/%.o from user/%.cpp, user/%.c, user/%.S (any directory under user/),
# libhandoff.a, and per program:
#
#   $(eval $(call user_program,NAME,OBJECTS))   ->  $(BUILD)/user/bin/NAME
#
# e.g.   $(eval $(call user_program,hello,$(BUILD)/user/demos/hello.o))
# Objects from outside user/ (e.g. the G/M/P runtime in sched/) compile with
#   $(USER_CXX) $(USER_CXXFLAGS) -c SRC -o OBJ      (and may be passed in OBJECTS).
# Optional: USER_LDSCRIPT := linker/user-$(ARCH).ld   to link with a linker script.
# Phony targets: user-lib (crt0 + libhandoff.a), user-programs (all USER_PROGRAMS).

ifeq ($(ARCH),x86_64)
  USER_CROSS :=
  USER_ARCH_FLAGS :=
else ifeq ($(ARCH),aarch64)
  USER_CROSS := aarch64-linux-gnu-
  # Debian's aarch64 gcc calls out-of-line atomics helpers that need glibc's __getauxval.
  USER_ARCH_FLAGS := -mno-outline-atomics
else
  $(error user.mk: ARCH must be x86_64 or aarch64, not '$(ARCH)')
endif

USER_CC := $(USER_CROSS)gcc
USER_CXX := $(USER_CROSS)g++
USER_AR := $(USER_CROSS)ar

# The newlib install prefix. Recursively expanded with a one-time $(eval), so build.sh runs
# (and, the first time, builds newlib: ~3 min per arch) only when something uses a user flag --
# not for `make clean` or kernel-only builds -- and then only once per make.
USER_NEWLIB = $(eval USER_NEWLIB := $(or $(lastword $(shell user/newlib/build.sh $(ARCH))),$(error user.mk: user/newlib/build.sh $(ARCH) failed)))$(USER_NEWLIB)

# gcc's own headers (stddef.h, stdarg.h, intrinsics) and its C++ headers (libstdc++, used
# header-only), found from the compiler so both the host and the cross g++ work.
USER_GCC_INCLUDE = $(eval USER_GCC_INCLUDE := $(shell $(USER_CC) -print-file-name=include))$(USER_GCC_INCLUDE)
USER_CXX_INCLUDES = $(eval USER_CXX_INCLUDES := $(shell $(USER_CXX) -xc++ -E -v /dev/null 2>&1 \
  | sed -n '/<\.\.\.> search starts here:/,/End of search list/p' | grep '/c++/'))$(USER_CXX_INCLUDES)

# Search order. C: our small shims (user/lib/include/c: features.h for libstdc++, math.h),
# newlib, gcc. C++: first user/lib/include/cxx (adapts libstdc++'s glibc configuration to
# newlib: see the files), then libstdc++, then the C order.
USER_C_INCS = -nostdinc -isystem user/lib/include/c -isystem $(USER_NEWLIB)/include \
  -isystem $(USER_GCC_INCLUDE) -Iuser/lib -I.
USER_CXX_INCS = -nostdinc -isystem user/lib/include/cxx $(addprefix -isystem ,$(USER_CXX_INCLUDES)) \
  -isystem user/lib/include/c -isystem $(USER_NEWLIB)/include -isystem $(USER_GCC_INCLUDE) -Iuser/lib -I.

USER_COMMON_FLAGS = -O2 -g -fno-pie -fno-stack-protector -ffunction-sections -fdata-sections \
  -Wall -Wextra -Werror $(USER_ARCH_FLAGS) -MMD -MP
USER_CFLAGS = -std=gnu17 $(USER_COMMON_FLAGS) $(USER_C_INCS)
USER_CXXFLAGS = -std=gnu++20 -fno-exceptions -fno-rtti $(USER_COMMON_FLAGS) $(USER_CXX_INCS)
USER_ASFLAGS = $(USER_ARCH_FLAGS) -g -MMD -MP $(USER_C_INCS)

USER_LDFLAGS = -static -no-pie -nostdlib -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--gc-sections \
  -Wl,--build-id=none $(if $(USER_LDSCRIPT),-T $(USER_LDSCRIPT))
USER_LIBS = -L$(BUILD)/user/lib -L$(USER_NEWLIB)/lib \
  -Wl,--start-group -lhandoff -lc -lm -lgcc -Wl,--end-group

USER_CRT0 := $(BUILD)/user/lib/crt0.o
USER_LIBHANDOFF := $(BUILD)/user/lib/libhandoff.a
USER_LIB_SRCS := user/lib/start.cpp user/lib/lock.cpp user/lib/newlib_glue.cpp \
  user/lib/thread.cpp user/lib/cxx_support.cpp user/lib/arch/$(ARCH)/clone.S \
  user/lib/vdso_parse.cpp user/lib/vdso_time.cpp user/lib/spawn.cpp
USER_LIB_OBJS := $(patsubst user/%,$(BUILD)/user/%.o,$(basename $(USER_LIB_SRCS)))
USER_PROGRAMS :=

$(BUILD)/user/%.o: user/%.cpp
	@mkdir -p $(@D)
	$(call say,CXX,$<)
	$(Q)$(USER_CXX) $(USER_CXXFLAGS) -c $< -o $@

$(BUILD)/user/%.o: user/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(USER_CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/user/%.o: user/%.S
	@mkdir -p $(@D)
	$(call say,AS,$<)
	$(Q)$(USER_CC) $(USER_ASFLAGS) -c $< -o $@

$(USER_CRT0): user/lib/arch/$(ARCH)/crt0.S
	@mkdir -p $(@D)
	$(call say,AS,$<)
	$(Q)$(USER_CC) $(USER_ASFLAGS) -c $< -o $@

$(USER_LIBHANDOFF): $(USER_LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(USER_AR) rcs $@ $^

# $(call user_program,NAME,OBJECTS): link $(BUILD)/user/bin/NAME. crt0.o goes first so _start
# is the entry; libhandoff/libc/libm/libgcc form one group because they call each other
# (newlib calls our stubs, our glue calls newlib).
define user_program
USER_PROGRAMS += $$(BUILD)/user/bin/$(1)
user-programs: $$(BUILD)/user/bin/$(1)
$$(BUILD)/user/bin/$(1): $$(USER_CRT0) $(2) $$(USER_LIBHANDOFF) $$(USER_LDSCRIPT)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$$(Q)$$(USER_CXX) $$(USER_LDFLAGS) -o $$@ $$(USER_CRT0) $(2) $$(USER_LIBS)
endef

.PHONY: user-lib user-programs
user-lib: $(USER_CRT0) $(USER_LIBHANDOFF)

-include $(USER_LIB_OBJS:.o=.d) $(USER_CRT0:.o=.d)
