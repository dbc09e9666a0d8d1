# user/programs.mk -- Handoff's user programs, the initramfs that carries them, and the same
# programs built for the Linux host (make fragment).
#
# Included by the top-level Makefile after user/lib/user.mk (it needs user_program and the
# USER_* variables), or run on its own like user/lib/test_glue.mk:
#
#   make -f user/programs.mk ARCH=aarch64 -j2   # the programs + build/aarch64/initramfs.cpio
#   make -f user/programs.mk host-user -j2      # build/host-user/{bin,etc}: x86-64, for Linux
#
# Provides:
#   HANDOFF_PROGRAMS   the programs below, by name
#   INITRAMFS          $(BUILD)/initramfs.cpio, a cpio "newc" archive (QEMU -initrd) of
#                        /bin/<each program>   every program declared with user_program
#                                              before this file is read (so include it last)
#                                              and the ones below; mode 0755
#                        /etc/motd             (0644: text; usertests reads it)
#                        /etc/not-elf          (0755 but not ELF: usertests' ENOEXEC case)
#                        and whatever user/rootfs/ holds, if it exists (copied as it is)
#                      The tree it is made from is staged in $(BUILD)/rootfs/.
#   targets            programs  initramfs  host-user
#
# Host builds: a Handoff user program is a static Linux-ABI executable (newlib + libhandoff,
# no glibc), so the x86-64 build of the SAME sources runs natively on the x86-64 Linux host:
# the differential test of DESIGN.md. `host-user` builds it with ARCH=x86_64 whatever ARCH
# this make has, objects in build/host-user/obj/, and stages the same tree as the initramfs
# in build/host-user/ (bin/usertests, etc/motd, ...): tests/run_host_usertests.sh runs it.

ifndef USER_CRT0
  # Standalone: set up what the top-level Makefile would have.
  USER_PROGRAMS_STANDALONE := 1
  include user/lib/standalone.mk
endif

# ---- the programs ------------------------------------------------------------------------------
HANDOFF_PROGRAMS := init hello crash usertests fuzz polltests

USERTESTS_OBJS := $(BUILD)/user/tests/usertests.o \
  $(patsubst user/%.cpp,$(BUILD)/user/%.o,$(sort $(wildcard user/tests/usertests/*.cpp)))

$(eval $(call user_program,init,$(BUILD)/user/bin/init.o))
$(eval $(call user_program,hello,$(BUILD)/user/bin/hello.o))
$(eval $(call user_program,crash,$(BUILD)/user/bin/crash.o))
$(eval $(call user_program,usertests,$(USERTESTS_OBJS)))
$(eval $(call user_program,fuzz,$(BUILD)/user/tests/fuzz.o))
$(eval $(call user_program,polltests,$(BUILD)/user/tests/polltests.o))

HANDOFF_PROGRAM_FILES := $(addprefix $(BUILD)/user/bin/,$(HANDOFF_PROGRAMS))

# ---- the root file system and the initramfs -----------------------------------------------------
ROOTFS_DIR ?= $(BUILD)/rootfs
INITRAMFS := $(BUILD)/initramfs.cpio

# The tree is staged afresh whenever a program (or this file, which writes the text files)
# changes, so nothing stale survives in it. .staged marks a complete staging.
# Every program declared with user_program so far (the top-level Makefile
# includes this file last, after the test and benchmark programs).
ROOTFS_EXTRA := $(shell find user/rootfs -type f 2>/dev/null)
$(ROOTFS_DIR)/.staged: $(USER_PROGRAMS) $(ROOTFS_EXTRA) user/programs.mk
	$(call say,STAGE,$(ROOTFS_DIR))
	$(Q)rm -rf $(ROOTFS_DIR)/bin $(ROOTFS_DIR)/etc $@
	$(Q)mkdir -p $(ROOTFS_DIR)/bin $(ROOTFS_DIR)/etc
	$(Q)if [ -d user/rootfs ]; then cp -R user/rootfs/. $(ROOTFS_DIR)/; fi
	$(Q)install -m 0755 $(USER_PROGRAMS) $(ROOTFS_DIR)/bin/
	$(Q)printf '%s\n' \
	  'Welcome to Handoff, a teaching kernel for Go-style schedulers.' \
	  '' \
	  'Programs are in /bin:' \
	  '  hello               who and where am I (uname, getpid)' \
	  '  crash null|ud|div|stack   fault on purpose: the kernel kills only the program' \
	  '  usertests [TEST]    the system-call tests (usertests -l lists them)' \
	  '  fuzz [N [SEED]]     N random system calls; the kernel must survive them all' \
	  '' \
	  'Shell built-ins: help, ls [DIR], cd [DIR], echo ..., exit [STATUS].' \
	  'Ctrl-D on an empty line (end of input) or `exit` leaves the shell and powers off.' \
	  > $(ROOTFS_DIR)/etc/motd
	$(Q)chmod 0644 $(ROOTFS_DIR)/etc/motd
	$(Q)printf '%s\n' \
	  'This file has execute permission but is not an ELF program (and has no #! line),' \
	  'so execve() of it fails with ENOEXEC. usertests checks exactly that.' \
	  > $(ROOTFS_DIR)/etc/not-elf
	$(Q)chmod 0755 $(ROOTFS_DIR)/etc/not-elf
	$(Q)touch $@

# newc is the format Linux's initramfs and Handoff's kernel/fs/cpio.cpp read. Owner root,
# no device or inode numbers from this machine (--reproducible), names sorted.
$(INITRAMFS): $(ROOTFS_DIR)/.staged
	$(call say,CPIO,$@)
	$(Q)(cd $(ROOTFS_DIR) && find . -mindepth 1 ! -name .staged | LC_ALL=C sort | \
	  cpio -o -H newc --owner=0:0 --reproducible --quiet) > $@.tmp && mv $@.tmp $@

.PHONY: programs initramfs host-user rootfs
programs: $(HANDOFF_PROGRAM_FILES)
initramfs: $(INITRAMFS)
rootfs: $(ROOTFS_DIR)/.staged

# ---- the host (Linux x86-64) builds -------------------------------------------------------------
host-user:
	$(Q)$(MAKE) --no-print-directory -f user/programs.mk ARCH=x86_64 BUILD=build/host-user/obj \
	  ROOTFS_DIR=build/host-user rootfs

-include $(USERTESTS_OBJS:.o=.d) $(addprefix $(BUILD)/user/bin/,$(addsuffix .d,init hello crash)) \
  $(BUILD)/user/tests/fuzz.d $(BUILD)/user/tests/polltests.d

ifdef USER_PROGRAMS_STANDALONE
.DEFAULT_GOAL := initramfs
endif
