// arch/x86_64/fw_cfg.cpp - see fw_cfg.h.
#include "arch/x86_64/fw_cfg.h"

#include "arch/x86_64/include/portio.h"

namespace {
constexpr uint16_t kSelectorPort = 0x510;
constexpr uint16_t kDataPort = 0x511;
constexpr uint16_t kKeySignature = 0x00;  // reads "QEMU"
constexpr uint16_t kKeyCpuCount = 0x05;   // 16-bit little-endian

void select(uint16_t key) { x86::outw(kSelectorPort, key); }
}  // namespace

unsigned fw_cfg_cpu_count() {
    select(kKeySignature);
    char signature[4];
    for (char& c : signature) c = char(x86::inb(kDataPort));
    if (signature[0] != 'Q' || signature[1] != 'E' || signature[2] != 'M' || signature[3] != 'U')
        return 1;
    select(kKeyCpuCount);
    unsigned lo = x86::inb(kDataPort), hi = x86::inb(kDataPort);
    unsigned count = lo | (hi << 8);
    return count ? count : 1;
}
