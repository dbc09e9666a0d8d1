# user/lib/test_glue.mk -- the C library self-test programs.
#
# Either included by the top-level Makefile after user/lib/user.mk (it then only adds the two
# programs to USER_PROGRAMS and the target user-selftest), or run on its own:
#   make -f user/lib/test_glue.mk ARCH=aarch64 -j2      # builds build/aarch64/user/bin/...
# user/newlib/selftest.sh builds with it and runs the programs (natively / qemu-aarch64).

ifndef USER_CRT0
  USER_TEST_GLUE_STANDALONE := 1
  include user/lib/standalone.mk
endif

$(eval $(call user_program,hello_newlib,$(BUILD)/user/tests/hello_newlib.o))
$(eval $(call user_program,thread_stress,$(BUILD)/user/tests/thread_stress.o))

.PHONY: user-selftest
user-selftest: $(BUILD)/user/bin/hello_newlib $(BUILD)/user/bin/thread_stress

-include $(BUILD)/user/tests/hello_newlib.d $(BUILD)/user/tests/thread_stress.d

ifdef USER_TEST_GLUE_STANDALONE
.DEFAULT_GOAL := user-selftest
endif
