// kernel/proc/elf.cpp - the ELF loader and the initial user stack: what
// execve does between "here is a file" and the program's first instruction.
// Compare Linux's fs/binfmt_elf.c (load_elf_binary, create_elf_tables) and
// xv6's exec.c.
//
// Only static executables: ET_EXEC with no PT_INTERP, which is what a
// `-static -no-pie` link produces. A static-PIE or dynamically linked
// program (ET_DYN, or a PT_INTERP naming ld.so) gets -ENOEXEC for now.
//
// The file is untrusted input. Every offset, size and address in it is
// checked before anything is mapped, with each sum written so that it
// cannot overflow ("a + b <= limit" becomes "b <= limit - a").
//
// Segments are copied into freshly allocated pages (AddressSpace::copy_in),
// not mapped from the file, so p_offset and p_vaddr need not agree modulo
// the page size, and the part of the last file page past p_filesz is zero
// by construction (Linux, which maps the file, must clear it: padzero).
// Pages beyond the copied bytes (.bss) are left to demand paging.
//
// Neighbouring segments may share a page: text may end and data begin in
// the same 4 KiB when the linker packs them (e.g. ld -N, or a small custom
// linker script). Such a page gets the union of both segments' permissions
// (a one-page region with the OR of their prots), which is what Linux
// effectively does too, since its later mapping of the page must keep the
// earlier segment's bytes usable. The ELF spec requires PT_LOAD entries
// sorted by p_vaddr; we also insist that they do not overlap.
#include "kernel/proc/elf.h"

#include "kernel/errno.h"
#include "kernel/lib/string.h"

namespace {

// ---- ELF64 structures (the System V gABI, "ELF-64 Object File Format") --

struct Elf64Header {
    uint8_t ident[16];     // magic, class, data encoding, version, ABI
    uint16_t type;         // ET_EXEC, ET_DYN, ...
    uint16_t machine;      // EM_X86_64, EM_AARCH64, ...
    uint32_t version;
    uint64_t entry;        // first instruction
    uint64_t phoff;        // program header table: file offset
    uint64_t shoff;        // section headers (not needed to run a program)
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;    // size of one program header
    uint16_t phnum;        // number of program headers
    uint16_t shentsize, shnum, shstrndx;
};
static_assert(sizeof(Elf64Header) == 64);

struct Elf64ProgramHeader {
    uint32_t type;         // PT_LOAD, PT_PHDR, ...
    uint32_t flags;        // PF_R | PF_W | PF_X
    uint64_t offset;       // where the segment's bytes start in the file
    uint64_t vaddr;        // where they go in memory
    uint64_t paddr;        // unused
    uint64_t filesz;       // bytes in the file
    uint64_t memsz;        // bytes in memory; the rest is zero (.bss)
    uint64_t align;
};
static_assert(sizeof(Elf64ProgramHeader) == 56);

constexpr uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
constexpr unsigned kIdentClass = 4, kIdentData = 5, kIdentVersion = 6;
constexpr uint8_t kClass64 = 2, kData2Lsb = 1, kVersionCurrent = 1;
constexpr uint16_t kTypeExec = 2, kTypeDyn = 3;
constexpr uint32_t kPtLoad = 1, kPtInterp = 3, kPtPhdr = 6;
constexpr uint32_t kPfExec = 1, kPfWrite = 2, kPfRead = 4;
// At most one page of program headers, as Linux (elf_read_phdrs): plenty
// for any real program (73 headers), and a bound on our loops.
constexpr size_t kMaxProgramHeaderBytes = kPageSize;

uintptr_t page_down(uintptr_t address) { return address & ~(kPageSize - 1); }
uintptr_t page_up(uintptr_t address) { return (address + kPageSize - 1) & ~(kPageSize - 1); }

// The file may sit at any byte address, so headers are copied out rather
// than read in place (an unaligned 8-byte load is not safe everywhere).
Elf64ProgramHeader program_header(const uint8_t* file, const Elf64Header& header, unsigned index) {
    Elf64ProgramHeader ph;
    memcpy(&ph, file + header.phoff + size_t(index) * sizeof ph, sizeof ph);
    return ph;
}

uint32_t prot_of(uint32_t p_flags) {
    return (p_flags & kPfRead ? kProtRead : 0) | (p_flags & kPfWrite ? kProtWrite : 0) |
           (p_flags & kPfExec ? kProtExec : 0);
}

// The ELF header: ours to run on this machine, and a program header table
// wholly inside the file.
int check_header(const uint8_t* file, size_t size, Elf64Header* header) {
    if (size < sizeof *header) return -ENOEXEC;
    memcpy(header, file, sizeof *header);
    if (memcmp(header->ident, kElfMagic, sizeof kElfMagic) != 0) return -ENOEXEC;
    if (header->ident[kIdentClass] != kClass64 || header->ident[kIdentData] != kData2Lsb ||
        header->ident[kIdentVersion] != kVersionCurrent)
        return -ENOEXEC;
    if (header->machine != arch::kElfMachine) return -ENOEXEC;
    // ET_DYN (static-PIE or a shared object) would need a load bias and
    // relocation by ld.so or the program itself: not yet.
    if (header->type != kTypeExec) return -ENOEXEC;
    if (header->phentsize != sizeof(Elf64ProgramHeader)) return -ENOEXEC;
    size_t table_bytes = size_t(header->phnum) * sizeof(Elf64ProgramHeader);  // < 2^22: no overflow
    if (header->phnum == 0 || table_bytes > kMaxProgramHeaderBytes) return -ENOEXEC;
    if (header->phoff > size || table_bytes > size - header->phoff) return -ENOEXEC;
    return 0;
}

// A PT_LOAD's numbers: its bytes inside the file, memsz covering filesz,
// and its memory inside [kUserMinAddress, kUserTop).
bool segment_ok(const Elf64ProgramHeader& ph, size_t file_size) {
    if (ph.offset > file_size || ph.filesz > file_size - ph.offset) return false;
    if (ph.filesz > ph.memsz) return false;
    if (ph.memsz == 0) return true;  // occupies nothing; skipped when loading
    return ph.vaddr >= kUserMinAddress && ph.vaddr <= arch::kUserTop &&
           ph.memsz <= arch::kUserTop - ph.vaddr;
}

// Only -ENOMEM is worth passing on from the address space: anything else
// means the file asked for something impossible.
int load_error(long error) { return error == -ENOMEM ? -ENOMEM : -ENOEXEC; }

}  // namespace

int elf_load(AddressSpace* mm, const uint8_t* file, size_t size, ElfImage* image) {
    Elf64Header header;
    if (int error = check_header(file, size, &header)) return error;
    size_t table_bytes = size_t(header.phnum) * sizeof(Elf64ProgramHeader);

    // Pass 1: check every program header before anything is mapped, and
    // find AT_PHDR and the break on the way.
    bool loadable = false, entry_ok = false;
    uintptr_t end = 0;  // one past the highest byte of the segments so far
    uintptr_t pt_phdr = 0, phdr_in_load = 0;
    for (unsigned i = 0; i < header.phnum; i++) {
        Elf64ProgramHeader ph = program_header(file, header, i);
        if (ph.type == kPtInterp) return -ENOEXEC;  // wants a dynamic linker
        if (ph.type == kPtPhdr) pt_phdr = ph.vaddr;
        if (ph.type != kPtLoad) continue;
        if (!segment_ok(ph, size)) return -ENOEXEC;
        if (ph.memsz == 0) continue;
        if (loadable && ph.vaddr < end) return -ENOEXEC;  // unsorted or overlapping
        loadable = true;
        end = ph.vaddr + ph.memsz;
        // The entry point must be code we load.
        if ((ph.flags & kPfExec) && header.entry >= ph.vaddr && header.entry - ph.vaddr < ph.memsz)
            entry_ok = true;
        // Without PT_PHDR, AT_PHDR is where the segment holding the header
        // table in the file puts it in memory (Linux 5.18+ does the same).
        if (!phdr_in_load && header.phoff >= ph.offset && header.phoff - ph.offset < ph.filesz &&
            table_bytes <= ph.filesz - (header.phoff - ph.offset))
            phdr_in_load = ph.vaddr + (header.phoff - ph.offset);
    }
    if (!loadable || !entry_ok) return -ENOEXEC;

    // Pass 2: a region per segment, then its bytes. `shared` is the page
    // the previous segment ended in, `shared_prot` its permissions so far.
    uintptr_t shared = 0;
    uint32_t shared_prot = 0;
    for (unsigned i = 0; i < header.phnum; i++) {
        Elf64ProgramHeader ph = program_header(file, header, i);
        if (ph.type != kPtLoad || ph.memsz == 0) continue;
        uint32_t prot = prot_of(ph.flags);
        uintptr_t first = page_down(ph.vaddr), last_end = page_up(ph.vaddr + ph.memsz);
        // Pass 1 ordered the segments, so only the first page can be shared,
        // and only with the previous segment's last page.
        if (shared && first == shared) {
            shared_prot |= prot;
            if (int error = mm->protect(first, kPageSize, shared_prot)) return load_error(error);
            first += kPageSize;
        }
        if (first < last_end) {
            long result = mm->map(first, last_end - first, prot, MapPlacement::kFixedNoReplace,
                                  RegionKind::kElf);
            if (result < 0) return load_error(result);
            shared_prot = prot;
        }
        shared = last_end - kPageSize;
        if (int error = mm->copy_in(ph.vaddr, file + ph.offset, ph.filesz)) return load_error(error);
    }

    image->entry = header.entry;
    image->phdr_address = pt_phdr ? pt_phdr : phdr_in_load;  // 0 if not in memory at all
    image->phnum = header.phnum;
    image->phentsize = header.phentsize;
    image->brk_base = page_up(end);
    return 0;
}

// ---- The initial stack ----------------------------------------------------

namespace {

// 16 bytes for AT_RANDOM: libc seeds its stack-protector canary and pointer
// guard from them. NOT cryptographic: cycle-counter readings stirred with
// splitmix64's finaliser, plus a counter so that two execs in the same
// cycle still differ. Under QEMU icount the counter, and so these bytes,
// repeat from run to run. A real kernel uses its entropy pool
// (get_random_bytes).
void random_bytes(uint8_t out[16]) {
    static uint64_t sequence;
    for (unsigned i = 0; i < 2; i++) {
        uint64_t x = arch::cycle_counter() +
                     __atomic_add_fetch(&sequence, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED);
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        x ^= x >> 31;
        memcpy(out + 8 * i, &x, sizeof x);
    }
}

// Bytes of `count` strings with their NULs, added to *total; false if a
// pointer is null (*fault) or the total passes kMaxArgBytes. strnlen keeps
// a huge string from being scanned to its end.
bool add_strings(const char* const* strings, int count, size_t* total, bool* fault) {
    for (int i = 0; i < count; i++) {
        if (!strings[i]) {
            *fault = true;
            return false;
        }
        *total += strnlen(strings[i], kMaxArgBytes) + 1;
        if (*total > kMaxArgBytes) return false;
    }
    return true;
}

}  // namespace

// The layout, from the top of the stack region down (Linux's order):
//
//   kUserStackTop - 8   8 zero bytes, an end marker (fresh pages are zero)
//                       argv strings (argv[0] lowest), envp strings, execfn
//   random              16 random bytes for AT_RANDOM, 16-byte aligned
//                       padding
//   sp + ...            auxv pairs, ending with AT_NULL
//                       NULL, envp[envc-1] .. envp[0]
//                       NULL, argv[argc-1] .. argv[0]
//   sp                  argc                 <- 16-byte aligned (the ABI)
//
// The whole region is demand paged: only the pages written here become
// resident; the program's own pushes fault in the rest.
int build_user_stack(AddressSpace* mm, int argc, const char* const* argv, int envc,
                     const char* const* envp, const ElfImage& image, uintptr_t* sp,
                     const char* execfn) {
    if (argc < 0 || envc < 0 || (argc > 0 && !argv) || (envc > 0 && !envp)) return -EFAULT;
    if (!execfn) execfn = argc > 0 && argv[0] ? argv[0] : "";
    // All of argv, envp and execfn must fit within kMaxArgBytes. With every
    // string at least one byte, that also bounds argc + envc, so the
    // pointer table stays far smaller than the 8 MiB stack.
    size_t string_bytes = 0;
    bool fault = false;
    const char* const execfn_list[1] = {execfn};
    if (!add_strings(argv, argc, &string_bytes, &fault) ||
        !add_strings(envp, envc, &string_bytes, &fault) ||
        !add_strings(execfn_list, 1, &string_bytes, &fault))
        return fault ? -EFAULT : -E2BIG;

    long mapped = mm->map(kUserStackTop - kUserStackSize, kUserStackSize, kProtRead | kProtWrite,
                          MapPlacement::kFixedNoReplace, RegionKind::kStack);
    if (mapped < 0) return -ENOMEM;  // out of memory, or the program sits where the stack goes

    uintptr_t top = kUserStackTop - sizeof(uint64_t);
    uintptr_t strings = top - string_bytes;
    uintptr_t execfn_at = top - (strlen(execfn) + 1);
    uintptr_t random = (strings - 16) & ~uintptr_t(15);
    const uint64_t auxv[][2] = {
        {kAtPhdr, image.phdr_address}, {kAtPhent, image.phentsize}, {kAtPhnum, image.phnum},
        {kAtPagesz, kPageSize},        {kAtBase, 0},  // no interpreter
        {kAtFlags, 0},                 {kAtEntry, image.entry},
        {kAtUid, 0},                   {kAtEuid, 0},
        {kAtGid, 0},                   {kAtEgid, 0},
        {kAtSecure, 0},                // no setuid programs
        {kAtRandom, random},           {kAtExecfn, execfn_at},
        {kAtHwcap, 0},                 // no CPU features promised (yet)
        {kAtClktck, 100},              // USER_HZ, the unit of times() and /proc
        // The vDSO (kernel/vdso/vdso.h): where libc finds the fast clock.
        // Left out when there is none (vdso=off), as Linux leaves it out.
        {kAtSysinfoEhdr, image.vdso_base},
        {kAtNull, 0},
    };
    size_t pairs = sizeof auxv / sizeof auxv[0] - (image.vdso_base ? 0 : 1);
    size_t words = 1 + size_t(argc) + 1 + size_t(envc) + 1 + 2 * pairs;
    uintptr_t stack = (random - words * sizeof(uint64_t)) & ~uintptr_t(15);

    // Write it all: the table from sp upwards, each string as its pointer
    // goes in. The first error sticks; the caller discards mm anyway.
    int error = 0;
    uintptr_t word_at = stack, string_at = strings;
    auto put_word = [&](uint64_t value) {
        if (!error) error = mm->copy_in(word_at, &value, sizeof value);
        word_at += sizeof value;
    };
    auto put_string = [&](const char* s) {
        uintptr_t at = string_at;
        size_t n = strlen(s) + 1;
        if (!error) error = mm->copy_in(at, s, n);
        string_at += n;
        return at;
    };
    put_word(uint64_t(argc));
    for (int i = 0; i < argc; i++) put_word(put_string(argv[i]));
    put_word(0);
    for (int i = 0; i < envc; i++) put_word(put_string(envp[i]));
    put_word(0);
    put_string(execfn);
    for (const auto& pair : auxv) {
        if (pair[0] == kAtSysinfoEhdr && pair[1] == 0) continue;  // no vDSO
        put_word(pair[0]);
        put_word(pair[1]);
    }
    uint8_t seed[16];
    random_bytes(seed);
    if (!error) error = mm->copy_in(random, seed, sizeof seed);
    if (error) return error;
    *sp = stack;
    return 0;
}
