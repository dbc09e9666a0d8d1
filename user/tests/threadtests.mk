# user/tests/threadtests.mk -- issue 4's tests from user space (user/tests/threadtests.cpp):
# threads, futexes, pipes, the slow disk, /proc, sched_getaffinity. Included by the
# top-level Makefile after user/lib/user.mk. Boot it with
#   init=/bin/threadtests      (tests/run_qemu.py reads its `ttest:` lines)
# The x86-64 build also runs natively on a Linux host, skipping Handoff-only parts.
$(eval $(call user_program,threadtests,$(BUILD)/user/tests/threadtests.o))
-include $(BUILD)/user/tests/threadtests.d
