# user/lib/standalone.mk -- what a user make fragment needs when it is run on
# its own (make -f user/FRAGMENT.mk) rather than included by the top-level
# Makefile: ARCH, BUILD, the quiet-output helpers, and user/lib/user.mk.
# Include it inside `ifndef USER_CRT0` (USER_CRT0 is set once user.mk is in).
ARCH ?= x86_64
BUILD ?= build/$(ARCH)
ifneq ($(V),1)
  Q := @
  say = @echo "  $(1)	$(2)"
endif
include user/lib/user.mk
