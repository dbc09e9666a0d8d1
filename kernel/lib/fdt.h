// kernel/lib/fdt.h - reading a flattened device tree (DTB).
//
// On AArch64 the firmware (QEMU's -M virt here) does not let the kernel probe
// for RAM, CPUs or devices; it describes them in a device tree and passes its
// address in x0. The tree is nodes with properties:
//
//     / { #address-cells = <2>; #size-cells = <2>;
//         memory@40000000 { device_type = "memory"; reg = <0 0x40000000  0 0x20000000>; };
//         pl011@9000000   { compatible = "arm,pl011", "arm,primecell"; interrupts = <0 1 4>; ... };
//         cpus { cpu@0 { device_type = "cpu"; reg = <0>; }; ... };
//         chosen { bootargs = "test=all"; }; };
//
// and the "flattened" form is one blob: a header, a structure block of tokens
// (BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END), a strings
// block holding property names, and a memory reservation map. All numbers are
// big-endian. The format is the Devicetree Specification's chapter 5; this
// reader does what Linux's early boot does with libfdt (scripts/dtc/libfdt,
// drivers/of/fdt.c), and names nodes the way libfdt does: by the offset of
// their BEGIN_NODE token in the structure block.
//
// A corrupt blob must never make the kernel read outside it. init() checks the
// header and walks the whole structure block once, rejecting what is not well
// formed; every later read is still bounds-checked against the blob's total
// size, so a lookup on a bad tree returns "not found" instead of faulting.
// Nothing is allocated, and the blob is only read.
#pragma once

#include <stddef.h>
#include <stdint.h>

class Fdt {
public:
    static constexpr uint32_t kMagic = 0xd00dfeed;
    // Linux's arm64 boot protocol (Documentation/arch/arm64/booting.rst)
    // limits the DTB to 2 MiB: the kernel passes this as init()'s limit.
    static constexpr size_t kMaxBootSize = 2 << 20;
    // Deepest node nesting accepted (QEMU's trees are 5 deep).
    static constexpr int kMaxDepth = 32;
    // "No such node": every node is a non-negative offset.
    static constexpr int kNone = -1;

    constexpr Fdt() = default;

    // Checks the blob at `blob`, of which at most `limit` bytes may be read.
    // False (and error() says why) if it is not a usable version 17 tree;
    // then every lookup below fails.
    bool init(const void* blob, size_t limit);
    bool valid() const { return root_ != kNone; }
    const char* error() const { return error_; }
    uint32_t total_size() const { return total_; }
    // The physical id of the CPU that booted (header field boot_cpuid_phys).
    uint32_t boot_cpuid() const { return boot_cpuid_; }

    // ---- Nodes ---------------------------------------------------------------
    int root() const { return root_; }
    // The name with its unit address, e.g. "memory@40000000"; "" for the root.
    const char* node_name(int node) const;
    int first_child(int node) const;
    int next_sibling(int node) const;
    // Found by walking from the root: O(nodes).
    int parent(int node) const;
    // The node after `node` in document order (libfdt's fdt_next_node). With
    // `depth`, adds 1 for stepping into a child and -1 per node left, and
    // stops (kNone) on leaving the node the walk started in.
    int next_node(int node, int* depth = nullptr) const;

    // "/", "/chosen", "/cpus/cpu@1". As in libfdt, a component without a unit
    // address matches one with any: "/memory" finds "memory@40000000".
    int find_path(const char* path) const;
    // The next node after `after` (from the root if kNone), in document
    // order, whose name is `name` or starts with `name@` ("memory").
    int find_by_name(const char* name, int after = kNone) const;
    // The next node after `after` whose compatible list contains `compatible`
    // (libfdt's fdt_node_offset_by_compatible).
    int find_compatible(const char* compatible, int after = kNone) const;
    // The node whose phandle property is `phandle` (how one node refers to
    // another, e.g. a device to its interrupt controller).
    int find_by_phandle(uint32_t phandle) const;

    // ---- Properties ------------------------------------------------------------
    // The raw value of a property and its length in bytes; nullptr if the node
    // has no such property. An empty property ("interrupt-controller;") gives
    // a non-null pointer and size 0.
    const uint8_t* property(int node, const char* name, uint32_t* size) const;
    bool has_property(int node, const char* name) const;
    // A one-cell (4-byte) value.
    bool read_u32(int node, const char* name, uint32_t* out) const;
    // An 8-byte value; a 4-byte one is widened, because some properties
    // (linux,initrd-start) are written in either size.
    bool read_u64(int node, const char* name, uint64_t* out) const;
    // A string property; nullptr if absent or not ending in a NUL. For a
    // string list ("a\0b\0") this is the first string.
    const char* read_string(int node, const char* name) const;
    // The index-th string of a string list; nullptr past the end.
    const char* read_string_at(int node, const char* name, int index) const;
    bool is_compatible(int node, const char* compatible) const;

    // ---- Addresses: reg ----------------------------------------------------------
    // A node's reg is (address, size) pairs, each a number of 32-bit cells
    // given by the *parent's* #address-cells and #size-cells (2 and 1 when
    // absent, as the specification says). False for the root.
    bool reg_cells(int node, uint32_t* address_cells, uint32_t* size_cells) const;
    // Entries in reg (0 if none or undecodable).
    int reg_count(int node) const;
    // The index-th entry of reg. Only 1- or 2-cell addresses and 0..2-cell
    // sizes fit in 64 bits: others (PCI's 3-cell addresses) return false.
    bool read_reg(int node, int index, uint64_t* base, uint64_t* size) const;

    // ---- Interrupts ----------------------------------------------------------------
    // Copies up to max_cells cells of the node's interrupts property into
    // `cells` and returns how many cells the property has (-1 if it has none).
    int read_interrupts(int node, uint32_t* cells, int max_cells) const;
    // The interrupt controller the node's interrupts go to: the nearest
    // interrupt-parent property on the node or an ancestor.
    int interrupt_parent(int node) const;
    // That controller's #interrupt-cells: cells per interrupt (3 for the GIC:
    // type, number, flags). -1 if unknown.
    int interrupt_cells(int node) const;

    // ---- Whole-machine questions ---------------------------------------------------
    // Children of /cpus with device_type = "cpu" (cpu-map and the like are not CPUs).
    int cpu_count() const;
    // The index-th entry of the memory reservation map: memory the kernel must
    // not use (firmware, secure world). False past the last entry.
    bool reserved_range(int index, uint64_t* base, uint64_t* size) const;

private:
    // Token tags of the structure block.
    static constexpr uint32_t kBeginNode = 1;
    static constexpr uint32_t kEndNode = 2;
    static constexpr uint32_t kProp = 3;
    static constexpr uint32_t kNop = 4;
    static constexpr uint32_t kEnd = 9;

    struct Token {
        uint32_t tag = 0;
        int next = 0;                    // offset of the following token
        const char* name = nullptr;      // BEGIN_NODE: node name; PROP: property name
        const uint8_t* data = nullptr;   // PROP: the value
        uint32_t size = 0;               // PROP: its length
    };

    bool fail(const char* why);
    bool check_structure();
    bool read_token(int offset, Token* token) const;
    int node_after(int after) const;

    const uint8_t* blob_ = nullptr;
    uint32_t total_ = 0;
    uint32_t struct_off_ = 0;  // the structure block: tokens
    uint32_t struct_size_ = 0;
    uint32_t strings_off_ = 0;  // the strings block: property names
    uint32_t strings_size_ = 0;
    uint32_t rsvmap_off_ = 0;   // the memory reservation map
    uint32_t boot_cpuid_ = 0;
    int root_ = kNone;
    const char* error_ = "not initialised";
};
