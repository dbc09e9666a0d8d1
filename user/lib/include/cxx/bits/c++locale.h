// user/lib/include/cxx/bits/c++locale.h -- libstdc++ locale glue for newlib ("C" locale only).
//
// The host's version is glibc's "gnu" locale model: __c_locale is glibc's __locale_t pointer
// and conversions call glibc's uselocale(). newlib's __locale_t is a struct tag, so that does
// not compile. Handoff programs get the "generic" model instead: one C locale, __c_locale an
// opaque pointer. Only the headers matter here (<memory>, <iterator>, <chrono>... include
// <ostream> and hence this file); iostream objects themselves live in libstdc++, which we do
// not link, so using std::cout is a link error -- use printf.
#ifndef _GLIBCXX_CXX_LOCALE_H
#define _GLIBCXX_CXX_LOCALE_H 1

#pragma GCC system_header

#include <clocale>
#include <cstdarg>
#include <cstdio>

#define _GLIBCXX_NUM_CATEGORIES 0

namespace std _GLIBCXX_VISIBILITY(default) {
_GLIBCXX_BEGIN_NAMESPACE_VERSION

typedef int* __c_locale;

// Format a number for num_put in the "C" locale (the only one there is).
inline int __convert_from_v(const __c_locale&, char* __out, const int __size,
                            const char* __fmt, ...) {
  __builtin_va_list __args;
  __builtin_va_start(__args, __fmt);
  const int __ret = __builtin_vsnprintf(__out, __size, __fmt, __args);
  __builtin_va_end(__args);
  return __ret;
}

_GLIBCXX_END_NAMESPACE_VERSION
}  // namespace std

#endif
