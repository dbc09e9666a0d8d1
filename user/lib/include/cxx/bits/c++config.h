// user/lib/include/cxx/bits/c++config.h -- adapts the host's libstdc++ configuration to newlib.
//
// Debian's g++ headers are configured for glibc on Linux. We use them header-only (no
// libstdc++.a is linked: its objects need glibc), so after the real c++config.h (found with
// include_next in the compiler's C++ directory) we switch off what assumes glibc:
//   _GLIBCXX_HAS_GTHREADS, _GLIBCXX_HAVE_LINUX_FUTEX  pthread-based std::mutex/thread and
//       C++20 atomic wait/notify (bits/atomic_wait.h): <atomic> then works lock-free only,
//       without wait()/notify_*(). Threads come from user/lib/thread.h instead.
//   _GLIBCXX_HAVE_TIMESPEC_GET   newlib 3.3 has no timespec_get (<ctime>)
//   _GLIBCXX_USE_C99_MATH_TR1 stays, but newlib lacks some long-double functions: see
//       user/lib/include/c/math.h
//   _GLIBCXX_EXTERN_TEMPLATE = 0  std::string & co. are instantiated in the program instead of
//       expected from libstdc++.so
// Exceptions are off (-fno-exceptions): the std::__throw_* helpers the templates call are in
// user/lib/cxx_support.cpp and print a message, then abort().
#include_next <bits/c++config.h>

#undef _GLIBCXX_HAS_GTHREADS
#undef _GLIBCXX_HAVE_LINUX_FUTEX
#undef _GLIBCXX_HAVE_TIMESPEC_GET
#undef _GLIBCXX_EXTERN_TEMPLATE
#define _GLIBCXX_EXTERN_TEMPLATE 0
