# sched/sched.mk -- the G/M/P runtime as a library for Handoff user programs (make fragment).
#
# Included by the top-level Makefile after user/lib/user.mk (ARCH, BUILD and the USER_* flags
# come from there), or run on its own:
#   make -f sched/sched.mk ARCH=x86_64|aarch64 -j2      libsched.a, runtime_tests, sched_bench
#   make -f sched/sched.mk ARCH=... sched-guest-test     run runtime_tests natively / qemu-aarch64
#   make -f sched/sched.mk sched-host-test               the host GoogleTest build (TSan, ASan)
# Provides:
#   SCHED_LIB        $(BUILD)/sched/libsched.a: the runtime with the Handoff OS layer
#                    (sched/os/handoff: Ms are raw clone threads from user/lib/thread.h)
#   SCHED_CXXFLAGS   what a program using the runtime compiles with (USER_CXXFLAGS + includes)
#   programs         $(BUILD)/user/bin/runtime_tests, $(BUILD)/user/bin/sched_bench,
#                    $(BUILD)/user/bin/godemo (the Go articles' experiments, sched/demos/)
# Phony: sched-lib, sched-programs, sched-guest-test, sched-host-test.

ifndef USER_CRT0
  # Standalone: set up what the top-level Makefile would have.
  SCHED_STANDALONE := 1
  include user/lib/standalone.mk
endif

SCHED_CXXFLAGS = $(USER_CXXFLAGS) -Isched -Isched/arch/$(ARCH) -Isched/os/handoff
SCHED_LIB := $(BUILD)/sched/libsched.a

SCHED_SRCS := proc.cpp schedule.cpp runq.cpp mthread.cpp newproc.cpp syscall.cpp sysmon.cpp \
  time.cpp netpoll.cpp netpoll_epoll.cpp net.cpp checkdead.cpp schedtrace.cpp runtime1.cpp \
  lockosthread.cpp lock_futex.cpp print.cpp context.cpp stack.cpp trace.cpp chan.cpp select.cpp sema.cpp \
  sync.cpp os_linux.cpp os/handoff/thread.cpp os/handoff/nanotime.cpp
SCHED_OBJS := $(addprefix $(BUILD)/sched/,$(SCHED_SRCS:.cpp=.o)) $(BUILD)/sched/arch/context.o

SCHED_TEST_SRCS := rtest.cpp sysnums.cpp cases_sched.cpp cases_chan.cpp cases_sync.cpp \
  cases_articles.cpp cases_fatal.cpp cases_netpoll.cpp runtime_tests.cpp
SCHED_TEST_OBJS := $(addprefix $(BUILD)/sched/tests/,$(SCHED_TEST_SRCS:.cpp=.o))
SCHED_BENCH_OBJS := $(BUILD)/sched/bench/sched_bench.o $(BUILD)/sched/tests/sysnums.o

$(BUILD)/sched/%.o: sched/%.cpp
	@mkdir -p $(@D)
	$(call say,CXX,$<)
	$(Q)$(USER_CXX) $(SCHED_CXXFLAGS) -c $< -o $@

$(BUILD)/sched/arch/context.o: sched/arch/$(ARCH)/context.S
	@mkdir -p $(@D)
	$(call say,AS,$<)
	$(Q)$(USER_CC) $(USER_ASFLAGS) -Isched/arch/$(ARCH) -c $< -o $@

$(SCHED_LIB): $(SCHED_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(USER_AR) rcs $@ $^

$(eval $(call user_program,runtime_tests,$(SCHED_TEST_OBJS) $(SCHED_LIB)))
$(eval $(call user_program,sched_bench,$(SCHED_BENCH_OBJS) $(SCHED_LIB)))
$(eval $(call user_program,godemo,$(BUILD)/sched/demos/godemo.o $(SCHED_LIB)))

.PHONY: sched-lib sched-programs sched-guest-test sched-host-test
sched-lib: $(SCHED_LIB)
sched-programs: $(BUILD)/user/bin/runtime_tests $(BUILD)/user/bin/sched_bench $(BUILD)/user/bin/godemo

# runtime_tests as a static newlib program: natively on an x86-64 host, under qemu-aarch64 for
# aarch64 (sched/tests/run_guest.sh judges the rtest: lines).
sched-guest-test: $(BUILD)/user/bin/runtime_tests
	sched/tests/run_guest.sh $(ARCH) $<

sched-host-test:
	cmake -S sched/tests -B build/sched-host >/dev/null
	cmake --build build/sched-host -j2
	ctest --test-dir build/sched-host --output-on-failure -j2

-include $(SCHED_OBJS:.o=.d) $(SCHED_TEST_OBJS:.o=.d) $(BUILD)/sched/bench/sched_bench.d \
  $(BUILD)/sched/demos/godemo.d

ifdef SCHED_STANDALONE
.DEFAULT_GOAL := sched-programs
endif
