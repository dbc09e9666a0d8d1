// kernel/lib/string.cpp - memcpy, memset, strlen and friends (see string.h).
//
// Plain loops, with one refinement in the mem* functions: when both pointers
// are 8-byte aligned the bulk moves a 64-bit word at a time, which is most of
// the speed of a tuned version at a fraction of its length. Counterparts:
// xv6's string.c (byte loops) and Linux's lib/string.c (the generic C
// versions that architectures without assembly ones use).
#include "kernel/lib/string.h"

#include <stdint.h>

// GCC recognises a byte-copy loop and may replace it with a call to memcpy,
// and a fill loop with a call to memset. Inside memcpy and memset that call
// would be to the function itself: endless recursion. This attribute turns the
// transformation off for the functions below (Linux builds lib/string.c with
// the same -fno-tree-loop-distribute-patterns option).
#define NO_LIBCALL_LOOPS [[gnu::optimize("no-tree-loop-distribute-patterns")]]

namespace {

// A 64-bit word that may alias any other type: reading the bytes of, say, a
// struct through it is then not undefined behaviour under strict aliasing.
typedef uint64_t __attribute__((may_alias)) Word;
constexpr size_t kWord = sizeof(Word);

bool both_word_aligned(const void* a, const void* b) {
    return ((uintptr_t(a) | uintptr_t(b)) & (kWord - 1)) == 0;
}

// Front-to-back copy: safe for overlapping areas when dst < src, because
// every byte is read before the write that could overwrite it.
NO_LIBCALL_LOOPS void copy_forward(unsigned char* d, const unsigned char* s, size_t n) {
    if (both_word_aligned(d, s)) {
        for (; n >= kWord; n -= kWord, d += kWord, s += kWord)
            *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
    }
    while (n--) *d++ = *s++;
}

// Back-to-front copy, for overlapping areas with dst > src.
NO_LIBCALL_LOOPS void copy_backward(unsigned char* d, const unsigned char* s, size_t n) {
    d += n;
    s += n;
    if (both_word_aligned(d, s)) {
        for (; n >= kWord; n -= kWord) {
            d -= kWord;
            s -= kWord;
            *reinterpret_cast<Word*>(d) = *reinterpret_cast<const Word*>(s);
        }
    }
    while (n--) *--d = *--s;
}

}  // namespace

extern "C" {

NO_LIBCALL_LOOPS void* KSTRING_NAME(memcpy)(void* dst, const void* src, size_t n) {
    copy_forward(static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), n);
    return dst;
}

NO_LIBCALL_LOOPS void* KSTRING_NAME(memmove)(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    // Compare as integers: relational comparison of pointers into different
    // objects is unspecified in C++, but the addresses are just numbers here.
    if (uintptr_t(d) <= uintptr_t(s) || uintptr_t(d) >= uintptr_t(s) + n)
        copy_forward(d, s, n);
    else
        copy_backward(d, s, n);
    return dst;
}

NO_LIBCALL_LOOPS void* KSTRING_NAME(memset)(void* dst, int c, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto byte = static_cast<unsigned char>(c);
    // Head bytes until d is aligned, then whole words holding 8 copies of byte.
    while (n && (uintptr_t(d) & (kWord - 1))) {
        *d++ = byte;
        n--;
    }
    Word pattern = Word(byte) * 0x0101010101010101ULL;
    for (; n >= kWord; n -= kWord, d += kWord) *reinterpret_cast<Word*>(d) = pattern;
    while (n--) *d++ = byte;
    return dst;
}

int KSTRING_NAME(memcmp)(const void* a, const void* b, size_t n) {
    auto* p = static_cast<const unsigned char*>(a);
    auto* q = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; i++) {
        if (p[i] != q[i]) return p[i] < q[i] ? -1 : 1;
    }
    return 0;
}

size_t KSTRING_NAME(strlen)(const char* s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t KSTRING_NAME(strnlen)(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

// C compares strings as unsigned char: "\xff" sorts after "a".
int KSTRING_NAME(strcmp)(const char* a, const char* b) {
    auto* p = reinterpret_cast<const unsigned char*>(a);
    auto* q = reinterpret_cast<const unsigned char*>(b);
    while (*p && *p == *q) {
        p++;
        q++;
    }
    return *p < *q ? -1 : (*p > *q ? 1 : 0);
}

int KSTRING_NAME(strncmp)(const char* a, const char* b, size_t n) {
    auto* p = reinterpret_cast<const unsigned char*>(a);
    auto* q = reinterpret_cast<const unsigned char*>(b);
    for (; n; n--, p++, q++) {
        if (*p != *q) return *p < *q ? -1 : 1;
        if (*p == '\0') break;
    }
    return 0;
}

char* KSTRING_NAME(strchr)(const char* s, int c) {
    const char ch = static_cast<char>(c);
    for (;; s++) {
        if (*s == ch) return const_cast<char*>(s);
        if (*s == '\0') return nullptr;
    }
}

char* KSTRING_NAME(strrchr)(const char* s, int c) {
    const char ch = static_cast<char>(c);
    const char* last = nullptr;
    for (;; s++) {
        if (*s == ch) last = s;
        if (*s == '\0') return const_cast<char*>(last);
    }
}

size_t KSTRING_NAME(strlcpy)(char* dst, const char* src, size_t size) {
    size_t len = KSTRING_NAME(strlen)(src);
    if (size > 0) {
        size_t copy = len < size - 1 ? len : size - 1;
        KSTRING_NAME(memcpy)(dst, src, copy);
        dst[copy] = '\0';
    }
    return len;
}

}  // extern "C"
