# user/bench/bench.mk - user-space benchmark programs (see bench.h), run by
# tools/bench.py under QEMU icount. Included by the top-level Makefile.
$(eval $(call user_program,bench_syscall,$(BUILD)/user/bench/syscall_bench.o))
