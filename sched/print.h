// sched/print.h -- the runtime's own printing (Go: print.go's print/println).
//
// The runtime must be able to report from anywhere -- with a lock held, on g0, in a fatal error
// on a thread whose stdio buffer is half written -- so it never uses stdio or malloc: it formats
// into a buffer on the stack and writes it to fd 2 with one write(2) per line.
//
//   print("SCHED ", ms, "ms: gomaxprocs=", n, "\n");   // strings, integers, bools, pointers
//   printer p; p.add("  P", i, ": "); ...; p.flush();  // building a line piecewise
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>

#include "os.h"

namespace rt {

class printer {
 public:
  printer() = default;
  printer(const printer&) = delete;
  ~printer() { flush(); }

  template <class... Args>
  printer& add(const Args&... args) {
    (put(args), ...);
    return *this;
  }

  void flush() {
    if (n_) os::write2(buf_, n_);
    n_ = 0;
  }

 private:
  void putc(char c) {
    if (n_ == sizeof buf_) flush();
    buf_[n_++] = c;
  }
  void put(const char* s) {
    if (!s) s = "(null)";
    while (*s) putc(*s++);
  }
  void put(char* s) { put(static_cast<const char*>(s)); }
  void put(bool b) { put(b ? "true" : "false"); }
  void put(const void* p) {  // Go prints pointers in hex
    put("0x");
    putHex(reinterpret_cast<uintptr_t>(p));
  }
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                          !std::is_same_v<T, char>, int> = 0>
  void put(T v) {
    if constexpr (std::is_signed_v<T>) {
      if (v < 0) {
        putc('-');
        putUnsigned(static_cast<uint64_t>(-(static_cast<int64_t>(v) + 1)) + 1);
        return;
      }
    }
    putUnsigned(static_cast<uint64_t>(v));
  }
  template <class T, std::enable_if_t<std::is_enum_v<T>, int> = 0>
  void put(T v) {
    put(static_cast<std::underlying_type_t<T>>(v));
  }
  void putUnsigned(uint64_t v) {
    char d[20];
    int i = 0;
    do d[i++] = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
    while (i > 0) putc(d[--i]);
  }
  void putHex(uint64_t v) {
    char d[16];
    int i = 0;
    do d[i++] = "0123456789abcdef"[v & 15]; while ((v >>= 4) != 0);
    while (i > 0) putc(d[--i]);
  }

  char buf_[512];
  size_t n_ = 0;
};

template <class... Args>
void print(const Args&... args) {
  printer p;
  p.add(args...);
}

}  // namespace rt
