// TEMPORARY (removed when the SMP bring-up lands): the uniprocessor answers
// to arch.h's SMP calls, weak so that the real ones replace them.
#include "arch/arch.h"

namespace arch {
[[gnu::weak]] unsigned start_secondary_cpus(const BootInfo&) { return 1; }
[[gnu::weak]] unsigned online_cpus() { return 1; }
[[gnu::weak]] void send_reschedule_ipi(unsigned) {}
}  // namespace arch
