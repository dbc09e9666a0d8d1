// user/tests/usertests/test_list.h -- every usertests test, in the order they run.
//
// TEST(name, what it checks). Included with different TEST definitions (an "X macro", like
// kernel/syscall/syscall_list.h): once to declare `void test_<name>()`, once to build the
// table usertests.cpp runs. The test functions live in files.cpp, memory.cpp, process.cpp and
// system.cpp, grouped like the kernel's handlers (kernel/syscall/handlers.h).

// ---- files (files.cpp) ----------------------------------------------------------------------
TEST(write_console, "write/writev to stdout return the byte count")
TEST(read_write_badfd, "read/write on closed, invalid and wrong-mode fds: EBADF")
TEST(read_write_badptr, "read/write with NULL, 0x1, kernel and unmapped buffers: EFAULT")
TEST(read_write_hugecount, "SIZE_MAX counts and pointer+count overflow: EFAULT, no crash")
TEST(readv_writev, "readv/writev data, bad iovecs, iovcnt -1/1025: EINVAL/EFAULT")
TEST(read_file, "read our own ELF header and /etc/motd; EOF; small reads")
TEST(pread64, "pread64 reads at an offset without moving the file position")
TEST(openat_errors, "ENOENT, ENOTDIR, EISDIR, EEXIST, EFAULT, ENAMETOOLONG, EBADF")
TEST(openat_readonly_fs, "Handoff's initramfs is read-only: EROFS")
TEST(openat_dirfd, "relative paths from a directory fd; dirfd errors")
TEST(close_dup, "close, dup, dup3 and a shared file offset")
TEST(cloexec, "O_CLOEXEC descriptors are closed by execve, others kept")
TEST(fstat, "fstat of files, directories, /dev/null; EBADF/EFAULT")
TEST(newfstatat, "newfstatat paths, AT_EMPTY_PATH, bad flags and pointers")
TEST(lseek, "lseek SEEK_SET/CUR/END, negative results EINVAL")
TEST(console_not_seekable, "lseek/pread64 on the console: ESPIPE")
TEST(ioctl, "TIOCGWINSZ/TCGETS on the console; ENOTTY elsewhere")
TEST(dev_null, "/dev/null: reads find nothing, writes vanish")
TEST(getdents64, "list / (has bin) and our bin directory; EINVAL/EFAULT/ENOTDIR")
TEST(getcwd_chdir, "getcwd/chdir round trips, ERANGE, ENOENT, ENOTDIR")
TEST(newlib_files, "the same through newlib: fopen/fgets/stat/errno")

// ---- memory (memory.cpp) ---------------------------------------------------------------------
TEST(brk, "brk grows and shrinks the heap; refusals return the old break")
TEST(mmap_anon, "anonymous mmap: zeroed, writable, fixed placement, errors")
TEST(mmap_file, "file mappings: ENODEV on Handoff (no page cache yet)")
TEST(munmap, "munmap; touching unmapped memory kills with SIGSEGV")
TEST(mprotect, "mprotect; writing read-only memory kills with SIGSEGV")
TEST(malloc_big, "newlib malloc of many and big blocks (brk underneath)")

// ---- processes (process.cpp) ---------------------------------------------------------------
TEST(exit_status, "exit codes reach wait4 through vfork+execve")
TEST(execve_errors, "execve: ENOENT, ENOEXEC, EACCES, ENOTDIR, EFAULT")
TEST(execve_args, "argv and envp arrive in the new program unchanged")
TEST(wait4, "wait4: ECHILD, WNOHANG, bad options and status pointers")
TEST(clone_vm_child, "a CLONE_VM child runs beside us; pid/ppid relations")
TEST(clone_errors, "clone flag rules; fork is ENOSYS on Handoff")
TEST(threads, "a raw CLONE_THREAD thread: own tid, same pid, CHILD_CLEARTID")
TEST(threads_lib, "user/lib/thread.h threads compute and join")
TEST(kill, "kill: signal 0, ESRCH, EINVAL; SIGKILL ends a child")
TEST(faults, "user faults kill only the child, with the right signal")
TEST(ids, "getpid/getppid/gettid/set_tid_address/getuid and friends")

// ---- time and the system (system.cpp) --------------------------------------------------------
TEST(uname, "uname fields; Handoff's sysname; EFAULT")
TEST(clock_gettime, "every clock reads; monotonic never goes back; EINVAL/EFAULT")
TEST(clock_getres, "clock resolutions; NULL is allowed")
TEST(gettimeofday, "gettimeofday agrees with CLOCK_REALTIME")
TEST(nanosleep, "a 10 ms nanosleep lasts at least 10 ms; EINVAL/EFAULT")
TEST(clock_nanosleep, "relative and absolute sleeps; EINVAL")
TEST(sched_yield, "sched_yield returns 0")
TEST(arch_prctl, "x86-64 FS base round trip (restored after)")
TEST(unknown_syscalls, "numbers nobody implements: ENOSYS")
TEST(handoff_stats, "Handoff's own counters call (1024); ENOSYS on Linux")
