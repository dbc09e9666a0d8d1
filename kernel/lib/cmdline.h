// kernel/lib/cmdline.h - the kernel command line, parsed.
//
// The boot loader hands the kernel one string (QEMU's -append), e.g.
//
//     test=all smp=4 disk_latency_us=2000 vdso=off quiet init=/bin/sh -c "echo hi"
//
// Words are separated by blanks; double quotes group blanks into a word and
// are removed ("echo hi" is the one word `echo hi`). Each word is `key=value`
// or a bare `flag`. The word `init=PATH` is special: it takes the rest of the
// line, so PATH and every word after it become the first program's argv
// (here: "/bin/sh", "-c", "echo hi"). Without init= the first program is
// /bin/init with no arguments.
//
// Counterparts: Linux's kernel/params.c and parse_args() (which also removes
// quotes), and its init= parameter in init/main.c. Linux passes the words
// after a `--` to init; Handoff's "init= takes the rest" is simpler to type.
//
// Cmdline copies the line into a fixed buffer inside itself (the boot
// loader's memory may be reused later) and splits it there, in place: nothing
// is allocated, so it can be parsed before the heap exists.
#pragma once

#include <stddef.h>
#include <stdint.h>

class Cmdline {
public:
    // Bytes of command line kept, including the terminating NUL. Linux's
    // COMMAND_LINE_SIZE is 2048 on x86-64 and 4096 on arm64; ours need less.
    static constexpr size_t kMaxLength = 1024;
    // key=value and flag words kept (init= counts as one).
    static constexpr int kMaxTokens = 64;
    // Words of the first program's argv (the path included).
    static constexpr int kMaxInitArgs = 32;

    // Usable before parse(): no options, init argv = {"/bin/init"}.
    constexpr Cmdline() = default;
    // The tokens point into buf_, so a copy would point into the original.
    Cmdline(const Cmdline&) = delete;
    Cmdline& operator=(const Cmdline&) = delete;

    // Replaces the contents with `line` (null means empty). Returns false if
    // something did not fit (line longer than kMaxLength - 1 bytes, more than
    // kMaxTokens words or kMaxInitArgs init arguments): what did fit is kept,
    // and truncated() stays true so the kernel can warn.
    bool parse(const char* line);
    bool truncated() const { return truncated_; }

    // The value of `key`, "" for a bare flag, nullptr if absent. When a key
    // appears twice the last one wins (as for most of Linux's parameters).
    const char* get(const char* key) const;
    bool has(const char* key) const { return get(key) != nullptr; }

    // `key`'s value as a number: decimal, or hex after 0x/0X. `fallback` if
    // the key is absent, a bare flag, malformed ("12abc") or above 2^64 - 1.
    uint64_t get_u64(const char* key, uint64_t fallback) const;

    // `key`'s value as a switch: on/yes/true/1 or off/no/false/0. A bare flag
    // (`quiet`) means true; absent or anything else gives `fallback`.
    bool get_bool(const char* key, bool fallback) const;

    // The first program's argv and its length, NULL-terminated like C's
    // main(argc, argv). {"/bin/init", NULL} when the line has no init=.
    int init_argc() const { return init_argc_ > 0 ? init_argc_ : 1; }
    const char* const* init_argv() const;

    // All words in order, for printing ("unknown option" warnings).
    int count() const { return count_; }
    const char* key_at(int i) const { return tokens_[i].key; }
    const char* value_at(int i) const { return tokens_[i].value; }

private:
    struct Token {
        const char* key = nullptr;
        const char* value = nullptr;  // "" for a bare flag
    };

    char buf_[kMaxLength] = {};
    Token tokens_[kMaxTokens] = {};
    int count_ = 0;
    const char* init_argv_[kMaxInitArgs + 1] = {};  // + 1 for the NULL
    int init_argc_ = 0;                             // 0: no init= given
    bool truncated_ = false;
};
