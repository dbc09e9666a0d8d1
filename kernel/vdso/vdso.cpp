// kernel/vdso/vdso.cpp - mapping the vDSO and its data page into a process
// (see vdso.h).
#include "kernel/vdso/vdso.h"

#include "arch/arch.h"
#include "kernel/cmdline_args.h"
#include "kernel/errno.h"
#include "kernel/vdso/vvar.h"

namespace {

// The few ELF header fields the sanity check reads (elf.h of the C library
// would say Elf64_Ehdr; the kernel has no C library).
constexpr uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
constexpr uint8_t kElfClass64 = 2, kElfData2Lsb = 1;
constexpr uint16_t kElfTypeDyn = 3;  // ET_DYN: a shared object

uint16_t read_u16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }

// The data page and the largest image end below the top of the user half.
static_assert(kVdsoTextAddress + kVdsoMaxPages * kPageSize <= arch::kUserTop);

}  // namespace

size_t vdso_image_pages() { return size_t(vdso_image_end - vdso_image_start) / kPageSize; }

bool vdso_image_ok() {
    const uint8_t* image = vdso_image_start;
    size_t size = size_t(vdso_image_end - image);
    if (size < kPageSize || size % kPageSize || vdso_image_pages() > kVdsoMaxPages) return false;
    for (int i = 0; i < 4; i++)
        if (image[i] != kElfMagic[i]) return false;
    // e_ident[EI_CLASS], [EI_DATA]; e_type at 16, e_machine at 18.
    return image[4] == kElfClass64 && image[5] == kElfData2Lsb &&
           read_u16(image + 16) == kElfTypeDyn && read_u16(image + 18) == arch::kElfMachine;
}

bool vdso_enabled() {
    return kernel_args().get_bool("vdso", true) && vvar_page_phys() != 0 && vdso_image_ok();
}

int vdso_map(AddressSpace* mm, uintptr_t* vdso_base) {
    *vdso_base = 0;
    if (!vdso_enabled()) return 0;

    // The data page: read-only, so a program cannot change the time other
    // programs see (the kernel writes it through the direct map).
    if (int err = mm->map_shared_kernel_pages(kVdsoVvarAddress, vvar_page_phys(), kPageSize,
                                              kProtRead))
        return err;
    // The code: the kernel image's own pages, read+exec. Read-only too, so no
    // process can patch the code every other process runs. (Linux lets gdb
    // write breakpoints there through copy-on-write; we have no COW.)
    uintptr_t text_phys = arch::virt_to_phys(uintptr_t(vdso_image_start));
    if (int err = mm->map_shared_kernel_pages(kVdsoTextAddress, text_phys,
                                              vdso_image_pages() * kPageSize,
                                              kProtRead | kProtExec))
        return err;
    *vdso_base = kVdsoTextAddress;
    return 0;
}
