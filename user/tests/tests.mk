# user/tests/tests.mk - test tools of the lead's (the test programs proper are in
# user/programs.mk and their own fragments).
$(eval $(call user_program,leakcheck,$(BUILD)/user/tests/leakcheck.o))
