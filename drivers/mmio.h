// drivers/mmio.h - memory-mapped device register access.
//
// `volatile` makes the compiler emit exactly one access of exactly this width
// for each call; device registers must not be merged, split or cached in
// registers. (Ordering against normal memory, where it matters, is the
// caller's job with the arch's barriers.)
#pragma once

#include <stdint.h>

inline uint32_t mmio_read32(uintptr_t addr) { return *reinterpret_cast<volatile uint32_t*>(addr); }
inline void mmio_write32(uintptr_t addr, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(addr) = v; }
inline uint8_t mmio_read8(uintptr_t addr) { return *reinterpret_cast<volatile uint8_t*>(addr); }
inline void mmio_write8(uintptr_t addr, uint8_t v) { *reinterpret_cast<volatile uint8_t*>(addr) = v; }
