// kernel/tests/elf_test.cpp - ktests of the ELF loader and the initial
// stack (kernel/proc/elf.h). The executables are built in memory, byte by
// byte, so each test says exactly which field it breaks. Like the address
// space tests, these need no process: they load into an address space that
// is never activated and read it back through lookup() and the direct map.
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/proc/elf.h"
#include "kernel/tests/mm_test_support.h"

namespace {

// The ELF64 layouts again (elf.cpp keeps its own private), for building.
struct Header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct ProgramHeader {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
static_assert(sizeof(Header) == 64 && sizeof(ProgramHeader) == 56);

constexpr uint32_t kPtLoad = 1, kPtInterp = 3, kPtNote = 4, kPtPhdr = 6;
constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;
constexpr uintptr_t kBase = 0x400000;
constexpr size_t kCodeOffset = 0x100;
constexpr uint8_t kCode[] = {0xde, 0xad, 0xbe, 0xef, 0x90, 0x90};

// An executable being built: static storage, since kernel stacks are small.
struct TestElf {
    alignas(8) uint8_t bytes[0x1400];
    size_t size;

    Header& header() { return *reinterpret_cast<Header*>(bytes); }
    ProgramHeader& ph(unsigned i) { return reinterpret_cast<ProgramHeader*>(bytes + sizeof(Header))[i]; }
};
TestElf g_elf;

void start_elf(unsigned phnum, uint64_t entry) {
    memset(&g_elf, 0, sizeof g_elf);
    Header& h = g_elf.header();
    const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    memcpy(h.ident, ident, sizeof ident);
    h.type = 2;  // ET_EXEC
    h.machine = arch::kElfMachine;
    h.version = 1;
    h.entry = entry;
    h.phoff = sizeof(Header);
    h.ehsize = sizeof(Header);
    h.phentsize = sizeof(ProgramHeader);
    h.phnum = uint16_t(phnum);
}

// The smallest useful program: one R+X segment holding the headers and a
// few bytes of "code" at kBase + 0x100, with 8 KiB of .bss behind them.
void make_minimal_elf() {
    start_elf(1, kBase + kCodeOffset);
    g_elf.ph(0) = {kPtLoad, kPfR | kPfX, 0, kBase, kBase, 0x200, 0x3000, kPageSize};
    memcpy(g_elf.bytes + kCodeOffset, kCode, sizeof kCode);
    g_elf.size = 0x200;
}

// Text and data sharing the page at kBase + 0x1000, plus a PT_PHDR.
void make_two_segment_elf() {
    start_elf(3, kBase + kCodeOffset);
    g_elf.ph(0) = {kPtPhdr, kPfR, sizeof(Header), kBase + sizeof(Header), 0, 3 * sizeof(ProgramHeader),
                   3 * sizeof(ProgramHeader), 8};
    g_elf.ph(1) = {kPtLoad, kPfR | kPfX, 0, kBase, kBase, 0x1100, 0x1100, kPageSize};
    g_elf.ph(2) = {kPtLoad, kPfR | kPfW, 0x1100, kBase + 0x1100, 0, 0x100, 0x2000, kPageSize};
    memcpy(g_elf.bytes + kCodeOffset, kCode, sizeof kCode);
    g_elf.bytes[0x10ff] = 0x11;  // text's last byte
    g_elf.bytes[0x1100] = 0x22;  // data's first byte
    g_elf.size = 0x1200;
}

int load(AddressSpace* mm, ElfImage* image) { return elf_load(mm, g_elf.bytes, g_elf.size, image); }

// Loads the current g_elf into a fresh address space and returns the result.
int load_fresh() {
    AddressSpace* mm = AddressSpace::create();
    if (!mm) return -ENOMEM;
    ElfImage image;
    int result = load(mm, &image);
    mm->put();
    return result;
}

bool has_region(AddressSpace* mm, uintptr_t start, uintptr_t end, uint32_t prot, RegionKind kind) {
    RegionInfo regions[8];
    size_t count = mm->regions(regions, 8);
    for (size_t i = 0; i < count && i < 8; i++)
        if (regions[i].start == start && regions[i].end == end && regions[i].prot == prot &&
            regions[i].kind == kind)
            return true;
    return false;
}

// Reads a NUL-terminated string of at most 63 characters from user memory.
bool read_user_string(AddressSpace* mm, uintptr_t va, char (&out)[64]) {
    for (size_t i = 0; i < sizeof out; i++) {
        if (!read_user_memory(mm, va + i, &out[i], 1)) return false;
        if (out[i] == '\0') return true;
    }
    return false;
}

bool user_string_is(AddressSpace* mm, uintptr_t va, const char* expected) {
    char s[64];
    return read_user_string(mm, va, s) && strcmp(s, expected) == 0;
}

}  // namespace

KTEST(elf_loads_minimal_executable) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    make_minimal_elf();
    ElfImage image;
    EXPECT_EQ(t, load(mm, &image), 0);
    EXPECT_EQ(t, image.entry, kBase + kCodeOffset);
    EXPECT_EQ(t, image.phdr_address, kBase + sizeof(Header));  // inside the PT_LOAD
    EXPECT_EQ(t, image.phnum, 1);
    EXPECT_EQ(t, image.phentsize, sizeof(ProgramHeader));
    EXPECT_EQ(t, image.brk_base, kBase + 0x3000);
    EXPECT(t, has_region(mm, kBase, kBase + 0x3000, kProtRead | kProtExec, RegionKind::kElf));
    // Only the page with file bytes is resident; .bss waits for a fault.
    EXPECT_EQ(t, mm->resident_pages(), 1);
    uint8_t code[sizeof kCode];
    EXPECT(t, read_user_memory(mm, image.entry, code, sizeof code));
    EXPECT(t, memcmp(code, kCode, sizeof code) == 0);
    EXPECT_EQ(t, page_flags_at(mm, kBase), arch::kMapUser | arch::kMapRead | arch::kMapExec);
    // Past p_filesz the page is zero (the rest of the header page here).
    EXPECT_EQ(t, read_user_word(mm, kBase + 0x200), 0);
    EXPECT(t, mm->handle_fault(kBase + 0x2000, false, false, nullptr));
    EXPECT_EQ(t, read_user_word(mm, kBase + 0x2000), 0);
    EXPECT(t, !mm->handle_fault(kBase + 0x2000, true, false, nullptr));  // text is not writable
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(elf_segments_sharing_a_page) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    make_two_segment_elf();
    ElfImage image;
    EXPECT_EQ(t, load(mm, &image), 0);
    EXPECT_EQ(t, image.phdr_address, kBase + sizeof(Header));  // from PT_PHDR
    EXPECT_EQ(t, image.phnum, 3);
    EXPECT_EQ(t, image.brk_base, kBase + 0x4000);
    // The shared page gets both segments' rights; each side keeps its own.
    EXPECT(t, has_region(mm, kBase, kBase + 0x1000, kProtRead | kProtExec, RegionKind::kElf));
    EXPECT(t, has_region(mm, kBase + 0x1000, kBase + 0x2000, kProtRead | kProtWrite | kProtExec,
                         RegionKind::kElf));
    EXPECT(t, has_region(mm, kBase + 0x2000, kBase + 0x4000, kProtRead | kProtWrite, RegionKind::kElf));
    uint8_t pair[2] = {};
    EXPECT(t, read_user_memory(mm, kBase + 0x10ff, pair, 2));
    EXPECT_EQ(t, pair[0], 0x11);
    EXPECT_EQ(t, pair[1], 0x22);
    EXPECT_EQ(t, read_user_word(mm, kBase + 0x1200), 0);  // data's .bss, in the shared page
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(elf_rejects_bad_files) {
    LeakCheck leaks;
    // Each case starts from a good file and breaks one thing.
    make_minimal_elf();
    EXPECT_EQ(t, load_fresh(), 0);

    auto expect_rejected = [&](int line, auto&& breakit) {
        make_minimal_elf();
        breakit();
        int result = load_fresh();
        if (result != -ENOEXEC) t.check_eq(uint64_t(result), uint64_t(-ENOEXEC), __FILE__, line, "rejected");
    };
    expect_rejected(__LINE__, [] { g_elf.size = sizeof(Header) - 1; });
    expect_rejected(__LINE__, [] { g_elf.size = 0; });
    expect_rejected(__LINE__, [] { g_elf.size = sizeof(Header) + sizeof(ProgramHeader) - 1; });
    expect_rejected(__LINE__, [] { g_elf.size = 0x1ff; });  // cuts the segment's bytes
    expect_rejected(__LINE__, [] { g_elf.header().ident[0] = 0x7e; });
    expect_rejected(__LINE__, [] { g_elf.header().ident[3] = 'f'; });
    expect_rejected(__LINE__, [] { g_elf.header().ident[4] = 1; });  // ELFCLASS32
    expect_rejected(__LINE__, [] { g_elf.header().ident[5] = 2; });  // big-endian
    expect_rejected(__LINE__, [] { g_elf.header().ident[6] = 0; });
    expect_rejected(__LINE__, [] { g_elf.header().machine = arch::kElfMachine == 62 ? 183 : 62; });
    expect_rejected(__LINE__, [] { g_elf.header().type = 3; });  // ET_DYN: not yet
    expect_rejected(__LINE__, [] { g_elf.header().type = 1; });  // ET_REL
    expect_rejected(__LINE__, [] { g_elf.header().phentsize = 32; });
    expect_rejected(__LINE__, [] { g_elf.header().phnum = 0; });
    expect_rejected(__LINE__, [] { g_elf.header().phnum = 0xffff; });
    expect_rejected(__LINE__, [] { g_elf.header().phnum = 9; });  // table runs past the file
    expect_rejected(__LINE__, [] { g_elf.header().phoff = 0x200; });
    expect_rejected(__LINE__, [] { g_elf.header().phoff = ~uint64_t(0) - 8; });
    expect_rejected(__LINE__, [] { g_elf.ph(0).offset = 0x100; });  // offset + filesz > size
    expect_rejected(__LINE__, [] { g_elf.ph(0).offset = ~uint64_t(0); });
    expect_rejected(__LINE__, [] { g_elf.ph(0).filesz = ~uint64_t(0); });
    expect_rejected(__LINE__, [] { g_elf.ph(0).memsz = 0x100; });  // filesz > memsz
    expect_rejected(__LINE__, [] { g_elf.ph(0).vaddr = 0; });      // page 0
    expect_rejected(__LINE__, [] { g_elf.ph(0).vaddr = arch::kUserTop - 0x1000; });
    expect_rejected(__LINE__, [] { g_elf.ph(0).vaddr = ~uint64_t(0) - 0x1000; });
    expect_rejected(__LINE__, [] { g_elf.ph(0).memsz = ~uint64_t(0) - 0x10; });
    expect_rejected(__LINE__, [] { g_elf.ph(0).type = kPtNote; });  // nothing to load
    expect_rejected(__LINE__, [] { g_elf.ph(0).flags = kPfR | kPfW; });  // entry not in code
    expect_rejected(__LINE__, [] { g_elf.header().entry = kBase + 0x3000; });
    expect_rejected(__LINE__, [] { g_elf.header().entry = 0; });
    expect_rejected(__LINE__, [] {
        g_elf.header().phnum = 2;  // a PT_INTERP: needs a dynamic linker
        g_elf.ph(1) = {kPtInterp, kPfR, 0x1a0, 0, 0, 0x10, 0x10, 1};
    });
    expect_rejected(__LINE__, [] {
        g_elf.header().phnum = 2;  // a second segment overlapping the first
        g_elf.ph(1) = {kPtLoad, kPfR | kPfW, 0, kBase + 0x2000, 0, 0x10, 0x2000, kPageSize};
    });
    expect_rejected(__LINE__, [] {
        g_elf.header().phnum = 2;  // segments out of order
        g_elf.ph(1) = {kPtLoad, kPfR | kPfW, 0, kBase - 0x10000, 0, 0x10, 0x10, kPageSize};
    });
    EXPECT(t, leaks.clean());
}

KTEST(elf_initial_stack_layout) {
    LeakCheck leaks;
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    make_minimal_elf();
    ElfImage image;
    EXPECT_EQ(t, load(mm, &image), 0);
    const char* argv[] = {"prog", "-x", "hello world"};
    const char* envp[] = {"HOME=/", "A=1"};
    uintptr_t sp = 0;
    EXPECT_EQ(t, build_user_stack(mm, 3, argv, 2, envp, image, &sp, "/bin/prog"), 0);
    EXPECT_EQ(t, sp % 16, 0);
    EXPECT(t, sp < kUserStackTop && sp > kUserStackTop - 2 * kPageSize);
    EXPECT(t, has_region(mm, kUserStackTop - kUserStackSize, kUserStackTop, kProtRead | kProtWrite,
                         RegionKind::kStack));

    EXPECT_EQ(t, read_user_word(mm, sp), 3);  // argc
    for (unsigned i = 0; i < 3; i++) EXPECT(t, user_string_is(mm, read_user_word(mm, sp + 8 * (1 + i)), argv[i]));
    EXPECT_EQ(t, read_user_word(mm, sp + 8 * 4), 0);
    for (unsigned i = 0; i < 2; i++) EXPECT(t, user_string_is(mm, read_user_word(mm, sp + 8 * (5 + i)), envp[i]));
    EXPECT_EQ(t, read_user_word(mm, sp + 8 * 7), 0);

    // The auxiliary vector: every key we promise, once, then AT_NULL.
    uint64_t value[64] = {};
    unsigned seen[64] = {}, entries = 0;
    for (uintptr_t at = sp + 8 * 8; entries < 32; at += 16) {
        uint64_t key = read_user_word(mm, at);
        entries++;
        if (key == kAtNull) break;
        if (key < 64) {
            seen[key]++;
            value[key] = read_user_word(mm, at + 8);
        }
    }
    EXPECT_EQ(t, entries, 17);
    const uint64_t keys[] = {kAtPhdr, kAtPhent, kAtPhnum, kAtPagesz, kAtBase, kAtFlags, kAtEntry, kAtUid,
                             kAtEuid, kAtGid, kAtEgid, kAtSecure, kAtRandom, kAtExecfn, kAtHwcap, kAtClktck};
    for (uint64_t key : keys) EXPECT_EQ(t, seen[key], 1);
    EXPECT_EQ(t, value[kAtPhdr], image.phdr_address);
    EXPECT_EQ(t, value[kAtPhent], 56);
    EXPECT_EQ(t, value[kAtPhnum], 1);
    EXPECT_EQ(t, value[kAtPagesz], kPageSize);
    EXPECT_EQ(t, value[kAtEntry], kBase + kCodeOffset);
    EXPECT_EQ(t, value[kAtBase], 0);
    EXPECT_EQ(t, value[kAtUid] | value[kAtEuid] | value[kAtGid] | value[kAtEgid] | value[kAtSecure], 0);
    EXPECT_EQ(t, value[kAtClktck], 100);
    EXPECT(t, user_string_is(mm, value[kAtExecfn], "/bin/prog"));
    uintptr_t random = value[kAtRandom];
    uint8_t bytes[16];
    EXPECT(t, random % 16 == 0 && random > sp && random + 16 <= kUserStackTop);
    EXPECT(t, read_user_memory(mm, random, bytes, sizeof bytes));
    // Strings sit above the table and the random bytes, below the top word.
    EXPECT(t, read_user_word(mm, sp + 8 * 1) > random);
    EXPECT_EQ(t, read_user_word(mm, kUserStackTop - 8), 0);
    EXPECT(t, mm->resident_pages() <= 1 + 2);  // the code page and the top of the stack
    mm->put();
    EXPECT(t, leaks.clean());
}

KTEST(elf_initial_stack_limits) {
    LeakCheck leaks;
    make_minimal_elf();
    ElfImage image;
    uintptr_t sp;
    const char* argv[2] = {"prog", nullptr};

    // No execfn: AT_EXECFN is argv[0]. No arguments at all is fine too.
    AddressSpace* mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    EXPECT_EQ(t, load(mm, &image), 0);
    EXPECT_EQ(t, build_user_stack(mm, 0, nullptr, 0, nullptr, image, &sp), 0);
    EXPECT_EQ(t, read_user_word(mm, sp), 0);
    EXPECT_EQ(t, read_user_word(mm, sp + 8), 0);
    EXPECT_EQ(t, read_user_word(mm, sp + 16), 0);
    // A second stack on the same address space does not fit.
    EXPECT_EQ(t, build_user_stack(mm, 1, argv, 0, nullptr, image, &sp), -ENOMEM);
    mm->put();

    mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    EXPECT_EQ(t, build_user_stack(mm, 1, argv, 0, nullptr, image, &sp), 0);
    uintptr_t execfn = 0;
    for (uintptr_t at = sp + 8 * 4; at < sp + 8 * 64 && read_user_word(mm, at) != kAtNull; at += 16)
        if (read_user_word(mm, at) == kAtExecfn) execfn = read_user_word(mm, at + 8);
    EXPECT(t, user_string_is(mm, execfn, "prog"));
    mm->put();

    // Exactly kMaxArgBytes of strings (with NULs and execfn "x") fit; one
    // byte more is -E2BIG. A null string is -EFAULT.
    char* big = static_cast<char*>(kmalloc(kMaxArgBytes + 1));
    if (!EXPECT(t, big)) return;
    memset(big, 'a', kMaxArgBytes);
    size_t fits = kMaxArgBytes - 2 - 1;  // minus execfn "x\0", minus big's NUL
    big[fits] = '\0';
    const char* big_argv[] = {big};
    mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    EXPECT_EQ(t, build_user_stack(mm, 1, big_argv, 0, nullptr, image, &sp, "x"), 0);
    EXPECT_EQ(t, read_user_word(mm, sp), 1);
    mm->put();
    big[fits] = 'a';
    big[fits + 1] = '\0';
    mm = AddressSpace::create();
    if (!EXPECT(t, mm)) return;
    EXPECT_EQ(t, build_user_stack(mm, 1, big_argv, 0, nullptr, image, &sp, "x"), -E2BIG);
    EXPECT_EQ(t, build_user_stack(mm, 0, nullptr, 1, big_argv, image, &sp, "x"), -E2BIG);
    memset(big, 'a', kMaxArgBytes);  // one string longer than the limit on its own
    big[kMaxArgBytes] = '\0';
    EXPECT_EQ(t, build_user_stack(mm, 1, big_argv, 0, nullptr, image, &sp), -E2BIG);
    EXPECT_EQ(t, build_user_stack(mm, 2, argv, 0, nullptr, image, &sp), -EFAULT);
    EXPECT_EQ(t, build_user_stack(mm, -1, argv, 0, nullptr, image, &sp), -EFAULT);
    EXPECT_EQ(t, mm->resident_pages(), 0);  // nothing was written
    mm->put();
    kfree(big);
    EXPECT(t, leaks.clean());
}
