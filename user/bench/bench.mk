# user/bench/bench.mk - user-space benchmark programs (see bench.h), run by
# tools/bench.py under QEMU icount. Included by the top-level Makefile.
#   bench_syscall   the null system call (syscall_bench.cpp)
#   bench_threads   futex and pipe ping-pong between two threads, thread create + join
#                   (threads_bench.cpp)
$(eval $(call user_program,bench_syscall,$(BUILD)/user/bench/syscall_bench.o))
$(eval $(call user_program,bench_threads,$(BUILD)/user/bench/threads_bench.o))
-include $(BUILD)/user/bench/syscall_bench.d $(BUILD)/user/bench/threads_bench.d
