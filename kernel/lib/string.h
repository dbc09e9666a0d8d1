// kernel/lib/string.h - memory and C-string primitives for a kernel without libc.
//
// A freestanding kernel has no C library, yet the compiler itself emits calls
// to memcpy, memmove, memset and memcmp (for struct copies, zeroing arrays and
// comparisons), so we must provide them under exactly those names with C
// linkage. The string functions beside them are the small set the kernel
// needs. Counterparts: xv6's string.c, Linux's lib/string.c.
//
// Host unit tests link the host's C library, whose memcpy & co. the sanitizers
// also intercept; ours under the same names would clash. So the test build
// defines KSTRING_PREFIX=k_ and gets k_memcpy, k_strlen, ... to test, while
// the other kernel files it compiles keep calling the host's memcpy (this
// header includes the host <string.h> for them). The kernel build leaves
// KSTRING_PREFIX empty and gets the real names.
#pragma once

#include <stddef.h>

#ifndef KSTRING_PREFIX
#define KSTRING_PREFIX
#endif
// Two levels, so that KSTRING_PREFIX is expanded before ## pastes it.
#define KSTRING_CONCAT_(a, b) a##b
#define KSTRING_CONCAT(a, b) KSTRING_CONCAT_(a, b)
#define KSTRING_NAME(name) KSTRING_CONCAT(KSTRING_PREFIX, name)

extern "C" {

// Copies n bytes; the areas must not overlap (use memmove if they might).
void* KSTRING_NAME(memcpy)(void* dst, const void* src, size_t n);
// Copies n bytes; the areas may overlap.
void* KSTRING_NAME(memmove)(void* dst, const void* src, size_t n);
// Fills n bytes with (unsigned char)c.
void* KSTRING_NAME(memset)(void* dst, int c, size_t n);
// <0, 0, >0 as the first differing byte (as unsigned char) is less, equal, greater.
int KSTRING_NAME(memcmp)(const void* a, const void* b, size_t n);

size_t KSTRING_NAME(strlen)(const char* s);
// Like strlen, but looks at no more than max bytes (s need not be terminated).
size_t KSTRING_NAME(strnlen)(const char* s, size_t max);
int KSTRING_NAME(strcmp)(const char* a, const char* b);
int KSTRING_NAME(strncmp)(const char* a, const char* b, size_t n);
// First / last occurrence of (char)c; c == '\0' finds the terminator.
char* KSTRING_NAME(strchr)(const char* s, int c);
char* KSTRING_NAME(strrchr)(const char* s, int c);
// BSD strlcpy: copies at most size-1 bytes, always terminates when size > 0,
// and returns strlen(src) so that `result >= size` means "truncated". Unlike
// strncpy it neither pads with zeros nor leaves the result unterminated.
size_t KSTRING_NAME(strlcpy)(char* dst, const char* src, size_t size);

}  // extern "C"

#ifdef HANDOFF_HOST_TEST
// The host test build: the unprefixed names the other kernel files call come
// from the host's C library (strlcpy is not among them: glibc < 2.38 lacks it).
#include <string.h>
#endif
