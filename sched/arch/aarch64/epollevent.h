// sched/arch/aarch64/epollevent.h -- struct epoll_event as the AArch64 Linux kernel lays it out
// (Go: epollevent in defs_linux_arm64.go).
//
// Natural alignment here: 16 bytes, 4 of padding after events (only x86-64 packs it to 12).
#pragma once

#include <stdint.h>
#include <string.h>

namespace rt::os {

struct epollevent {
  uint32_t events;
  uint32_t pad;
  uint8_t data[8];  // uint64 (kept as bytes to share code with x86-64's unaligned layout)

  uint64_t getData() const {
    uint64_t v;
    memcpy(&v, data, sizeof v);
    return v;
  }
  void setData(uint64_t v) { memcpy(data, &v, sizeof v); }
};
static_assert(sizeof(epollevent) == 16, "aarch64 epoll_event: 16 bytes");

}  // namespace rt::os
