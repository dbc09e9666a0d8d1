// kernel/proc/elf.h - loading a static ELF64 executable and building the
// System V initial stack (what execve does before the first user instruction).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/address_space.h"

struct ElfImage {
    uintptr_t entry = 0;        // e_entry
    uintptr_t phdr_address = 0; // where the program headers are in user memory (AT_PHDR)
    uint16_t phnum = 0;         // AT_PHNUM
    uint16_t phentsize = 0;     // AT_PHENT
    uintptr_t brk_base = 0;     // first page after the highest PT_LOAD segment
    uintptr_t vdso_base = 0;    // the vDSO's ELF header (AT_SYSINFO_EHDR); 0: none
};

// Checks the ELF header (64-bit, little-endian, this machine, ET_EXEC,
// sane program headers inside the file) and maps every PT_LOAD segment into
// `mm` with its permissions (R/W/X from p_flags), copying p_filesz bytes and
// zeroing the rest up to p_memsz. 0, or -ENOEXEC for a bad file, -ENOMEM.
// On failure `mm` may hold some of the segments: the caller discards it.
// The caller also sets the break: mm->set_brk_base(image->brk_base).
int elf_load(AddressSpace* mm, const uint8_t* file, size_t size, ElfImage* image);

// Maps the stack region and writes the initial stack at its top, as the
// System V ABI (and Linux's fs/binfmt_elf.c create_elf_tables) lays it out:
//   argc, argv[0..argc-1], NULL, envp[0..envc-1], NULL,
//   auxv pairs (AT_PHDR AT_PHENT AT_PHNUM AT_PAGESZ AT_ENTRY AT_RANDOM
//   AT_UID.. AT_SECURE AT_EXECFN, AT_SYSINFO_EHDR if image.vdso_base), AT_NULL,
//   then the strings and 16 random bytes; sp 16-byte aligned.
// `execfn` is the path given to execve, for AT_EXECFN (nullptr: argv[0]).
// argv, envp and their strings are kernel memory (execve copied them in).
// Returns 0 and the initial stack pointer, or -E2BIG (the strings exceed
// kMaxArgBytes), -ENOMEM (also: something is mapped where the stack goes),
// -EFAULT (a null string pointer).
int build_user_stack(AddressSpace* mm, int argc, const char* const* argv, int envc,
                     const char* const* envp, const ElfImage& image, uintptr_t* sp,
                     const char* execfn = nullptr);

// The most bytes of argument and environment strings (with their NULs, and
// AT_EXECFN's) one execve may pass: 128 KiB, Linux's classic limit
// (MAX_ARG_PAGES = 32 pages, before 2.6.23 tied it to the stack rlimit).
constexpr size_t kMaxArgBytes = 128 * 1024;

// Auxiliary vector keys (Linux's include/uapi/linux/auxvec.h and
// asm/auxvec.h): what build_user_stack puts on the stack for libc.
constexpr uint64_t kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6,
                   kAtBase = 7, kAtFlags = 8, kAtEntry = 9, kAtUid = 11, kAtEuid = 12,
                   kAtGid = 13, kAtEgid = 14, kAtHwcap = 16, kAtClktck = 17, kAtSecure = 23,
                   kAtRandom = 25, kAtExecfn = 31, kAtSysinfoEhdr = 33;
