// kernel/lib/format.h - the printf engine behind kprintf, ksnprintf and panic.
//
// One formatter, vformat(), hands its output in pieces to a "sink" function:
// kvsnprintf's sink copies into a buffer, kprintf's writes to the console.
// Counterparts: Linux's lib/vsprintf.c (vsnprintf), xv6's printf.c.
//
// Supported, with C's meaning:
//   conversions  %d %i %u %x %X %o %c %s %p %%
//   flags        - (left-justify)  0 (pad with zeros)  + (always a sign)
//                ' ' (space if no sign)  # (0x prefix for %x/%X, leading 0 for %o)
//   width, .precision, either of them given as * (an int argument)
//   lengths      hh h l ll z t j
// Handoff's choices, where C leaves room:
//   %p   prints "0x" and the hex digits without leading zeros, like glibc's
//        %p (and Linux's %px); a null pointer prints "0x0" (glibc: "(nil)").
//   %s   with a null pointer prints "(null)".
//   Anything else (%f, %n, %q, a '%' at the end) is printed as written and
//   consumes no argument. No floating point: the kernel is built with
//   -mgeneral-regs-only, so it has no FP registers to pass doubles in.
#pragma once

#include <stdarg.h>
#include <stddef.h>

// Receives the next n characters of output (not NUL-terminated). ctx is the
// pointer the caller gave vformat, passed through untouched.
using FormatSink = void (*)(void* ctx, const char* s, size_t n);

// Formats `fmt` with `ap`, passing the output to `sink` in pieces (runs of
// literal text are passed whole). Returns the number of characters produced,
// or -1 if that does not fit in an int.
[[gnu::format(printf, 3, 0)]] int vformat(FormatSink sink, void* ctx, const char* fmt, va_list ap);

// C's vsnprintf/snprintf: writes at most size-1 characters plus a NUL into
// buf (nothing at all when size == 0, and then buf may be null), and returns
// the length the full output would have had. So `result >= size` means
// "truncated".
[[gnu::format(printf, 3, 0)]] int kvsnprintf(char* buf, size_t size, const char* fmt, va_list ap);
[[gnu::format(printf, 3, 4)]] int ksnprintf(char* buf, size_t size, const char* fmt, ...);
