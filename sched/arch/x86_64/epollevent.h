// sched/arch/x86_64/epollevent.h -- struct epoll_event as the x86-64 Linux kernel lays it out
// (Go: epollevent in defs_linux_amd64.go).
//
// x86-64 is the one Linux arch whose epoll_event is PACKED (EPOLL_PACKED in the uapi header, for
// compatibility with 32-bit x86): 12 bytes, the 64-bit user data at offset 4, unaligned. So the
// data is kept as bytes, as Go does, and copied in and out.
#pragma once

#include <stdint.h>
#include <string.h>

namespace rt::os {

struct epollevent {
  uint32_t events;
  uint8_t data[8];  // unaligned uint64

  uint64_t getData() const {
    uint64_t v;
    memcpy(&v, data, sizeof v);
    return v;
  }
  void setData(uint64_t v) { memcpy(data, &v, sizeof v); }
};
static_assert(sizeof(epollevent) == 12, "x86-64 epoll_event is packed: 12 bytes");

}  // namespace rt::os
