// tests/host/fdt_test.cpp - kernel/lib/fdt.cpp.
//
// Two trees: QEMU's own (data/qemu-virt-a72-smp4-512m.dtb, dumped with
//   qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 4 -m 512M -machine dumpdtb=FILE
// and repacked without padding by `dtc -I dtb -O dtb`), which is what the
// AArch64 kernel really boots with, and data/handcrafted.dts for the corners.
// Then corrupted and truncated copies: the parser must reject them or answer
// without ever reading outside the blob. Every blob lives in a heap buffer of
// exactly its size, so AddressSanitizer fails the test on any such read.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "kernel/lib/fdt.h"

namespace {

std::vector<uint8_t> load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> qemu_virt() { return load(std::string(TEST_DATA_DIR) + "/qemu-virt-a72-smp4-512m.dtb"); }

uint32_t get_be32(const std::vector<uint8_t>& b, size_t off) {
    return uint32_t(b[off]) << 24 | uint32_t(b[off + 1]) << 16 | uint32_t(b[off + 2]) << 8 | b[off + 3];
}
void put_be32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
    b[off] = uint8_t(v >> 24);
    b[off + 1] = uint8_t(v >> 16);
    b[off + 2] = uint8_t(v >> 8);
    b[off + 3] = uint8_t(v);
}

// Header field offsets (Devicetree Specification, 5.2).
constexpr size_t kTotalSize = 4, kOffStruct = 8, kOffStrings = 12, kVersion = 20, kSizeStrings = 32,
                 kSizeStruct = 36;

// Asks every question the API has about every node, as the kernel might.
// Returns the number of nodes visited. On a corrupt tree the answers do not
// matter; not crashing (and ASan staying quiet) does.
int exercise(const Fdt& fdt) {
    int nodes = 0;
    uint32_t cells[8];
    for (int n = fdt.root(); n != Fdt::kNone && nodes < 10000; n = fdt.next_node(n)) {
        nodes++;
        (void)fdt.node_name(n);
        (void)fdt.parent(n);
        (void)fdt.first_child(n);
        (void)fdt.next_sibling(n);
        uint64_t base, size, v64;
        uint32_t v32, ac, sc;
        for (int i = 0; i < 3; i++) (void)fdt.read_reg(n, i, &base, &size);
        (void)fdt.reg_count(n);
        (void)fdt.reg_cells(n, &ac, &sc);
        (void)fdt.read_interrupts(n, cells, 8);
        (void)fdt.interrupt_cells(n);
        (void)fdt.read_u32(n, "phandle", &v32);
        (void)fdt.read_u64(n, "reg", &v64);
        for (int i = 0; i < 4; i++) (void)fdt.read_string_at(n, "compatible", i);
        (void)fdt.read_string(n, "device_type");
        (void)fdt.is_compatible(n, "arm,pl011");
    }
    (void)fdt.find_path("/chosen");
    (void)fdt.find_path("/cpus/cpu@0");
    (void)fdt.find_by_name("memory");
    (void)fdt.find_compatible("virtio,mmio");
    (void)fdt.find_by_phandle(0x8005);
    (void)fdt.cpu_count();
    uint64_t b, s;
    for (int i = 0; i < 4; i++) (void)fdt.reserved_range(i, &b, &s);
    return nodes;
}

class QemuVirt : public ::testing::Test {
protected:
    void SetUp() override {
        blob_ = qemu_virt();
        ASSERT_EQ(blob_.size(), 7968u) << "test data missing or changed";
        ASSERT_TRUE(fdt_.init(blob_.data(), blob_.size())) << fdt_.error();
    }
    std::vector<uint8_t> blob_;
    Fdt fdt_;
};

TEST_F(QemuVirt, Header) {
    EXPECT_TRUE(fdt_.valid());
    EXPECT_STREQ(fdt_.error(), "");
    EXPECT_EQ(fdt_.total_size(), blob_.size());
    EXPECT_EQ(fdt_.boot_cpuid(), 0u);
    EXPECT_EQ(fdt_.root(), 0);  // the first token of the structure block
    EXPECT_STREQ(fdt_.node_name(fdt_.root()), "");
    EXPECT_TRUE(fdt_.is_compatible(fdt_.root(), "linux,dummy-virt"));
}

TEST_F(QemuVirt, WalksAllNodes) {
    // 62 nodes, counted independently from the raw tokens when the data was made.
    EXPECT_EQ(exercise(fdt_), 62);
}

TEST_F(QemuVirt, Memory) {
    int by_path = fdt_.find_path("/memory@40000000");
    ASSERT_NE(by_path, Fdt::kNone);
    EXPECT_EQ(fdt_.find_path("/memory"), by_path);  // no unit address: any matches
    EXPECT_EQ(fdt_.find_by_name("memory"), by_path);
    EXPECT_EQ(fdt_.find_by_name("memory", by_path), Fdt::kNone);  // only one
    EXPECT_STREQ(fdt_.read_string(by_path, "device_type"), "memory");
    uint32_t ac = 0, sc = 0;
    ASSERT_TRUE(fdt_.reg_cells(by_path, &ac, &sc));
    EXPECT_EQ(ac, 2u);
    EXPECT_EQ(sc, 2u);
    EXPECT_EQ(fdt_.reg_count(by_path), 1);
    uint64_t base = 0, size = 0;
    ASSERT_TRUE(fdt_.read_reg(by_path, 0, &base, &size));
    EXPECT_EQ(base, 0x40000000u);
    EXPECT_EQ(size, 512u << 20);  // -m 512M
    EXPECT_FALSE(fdt_.read_reg(by_path, 1, &base, &size));
    EXPECT_FALSE(fdt_.read_reg(by_path, -1, &base, &size));
}

TEST_F(QemuVirt, ChosenAndPaths) {
    int chosen = fdt_.find_path("/chosen");
    ASSERT_NE(chosen, Fdt::kNone);
    EXPECT_STREQ(fdt_.node_name(chosen), "chosen");
    EXPECT_STREQ(fdt_.read_string(chosen, "stdout-path"), "/pl011@9000000");
    EXPECT_EQ(fdt_.parent(chosen), fdt_.root());
    EXPECT_EQ(fdt_.find_path("/"), fdt_.root());
    EXPECT_EQ(fdt_.find_path("//chosen/"), chosen);
    EXPECT_EQ(fdt_.find_path("/nonexistent"), Fdt::kNone);
    EXPECT_EQ(fdt_.find_path("chosen"), Fdt::kNone);  // aliases are not supported
    EXPECT_EQ(fdt_.find_path("/chosen/more"), Fdt::kNone);
    EXPECT_EQ(fdt_.find_path("/memory@40000001"), Fdt::kNone);
}

TEST_F(QemuVirt, Cpus) {
    EXPECT_EQ(fdt_.cpu_count(), 4);  // -smp 4; the cpu-map node is not a CPU
    int cpu3 = fdt_.find_path("/cpus/cpu@3");
    ASSERT_NE(cpu3, Fdt::kNone);
    EXPECT_EQ(fdt_.parent(cpu3), fdt_.find_path("/cpus"));
    EXPECT_TRUE(fdt_.is_compatible(cpu3, "arm,cortex-a72"));
    uint64_t id = 99, size = 99;
    ASSERT_TRUE(fdt_.read_reg(cpu3, 0, &id, &size));  // #address-cells 1, #size-cells 0
    EXPECT_EQ(id, 3u);
    EXPECT_EQ(size, 0u);
    EXPECT_EQ(fdt_.next_sibling(cpu3), Fdt::kNone);  // the last cpu node
}

TEST_F(QemuVirt, Pl011Uart) {
    int uart = fdt_.find_compatible("arm,pl011");
    ASSERT_NE(uart, Fdt::kNone);
    EXPECT_STREQ(fdt_.node_name(uart), "pl011@9000000");
    EXPECT_TRUE(fdt_.is_compatible(uart, "arm,primecell"));
    EXPECT_FALSE(fdt_.is_compatible(uart, "arm,pl01"));  // whole strings only
    EXPECT_STREQ(fdt_.read_string_at(uart, "compatible", 0), "arm,pl011");
    EXPECT_STREQ(fdt_.read_string_at(uart, "compatible", 1), "arm,primecell");
    EXPECT_EQ(fdt_.read_string_at(uart, "compatible", 2), nullptr);
    uint64_t base = 0, size = 0;
    ASSERT_TRUE(fdt_.read_reg(uart, 0, &base, &size));
    EXPECT_EQ(base, 0x09000000u);
    EXPECT_EQ(size, 0x1000u);
    uint32_t irq[3] = {};
    ASSERT_EQ(fdt_.read_interrupts(uart, irq, 3), 3);
    EXPECT_EQ(irq[0], 0u);  // GIC_SPI
    EXPECT_EQ(irq[1], 1u);  // SPI 1 = interrupt 33
    EXPECT_EQ(irq[2], 4u);  // level, active high
    int gic = fdt_.interrupt_parent(uart);  // inherited from the root
    ASSERT_NE(gic, Fdt::kNone);
    EXPECT_STREQ(fdt_.node_name(gic), "intc@8000000");
    EXPECT_TRUE(fdt_.is_compatible(gic, "arm,cortex-a15-gic"));
    EXPECT_EQ(fdt_.interrupt_cells(uart), 3);
    EXPECT_TRUE(fdt_.has_property(gic, "interrupt-controller"));
    uint32_t len = 99;
    EXPECT_NE(fdt_.property(gic, "interrupt-controller", &len), nullptr);
    EXPECT_EQ(len, 0u);  // an empty property: present, no value
}

TEST_F(QemuVirt, GicAndTimer) {
    int gic = fdt_.find_compatible("arm,cortex-a15-gic");
    ASSERT_EQ(fdt_.reg_count(gic), 2);  // distributor, CPU interface
    uint64_t base = 0, size = 0;
    ASSERT_TRUE(fdt_.read_reg(gic, 1, &base, &size));
    EXPECT_EQ(base, 0x08010000u);
    EXPECT_EQ(size, 0x10000u);
    uint32_t phandle = 0;
    ASSERT_TRUE(fdt_.read_u32(gic, "phandle", &phandle));
    EXPECT_EQ(fdt_.find_by_phandle(phandle), gic);
    EXPECT_EQ(fdt_.find_by_phandle(0), Fdt::kNone);

    int timer = fdt_.find_compatible("arm,armv8-timer");
    ASSERT_NE(timer, Fdt::kNone);
    uint32_t cells[12] = {};
    ASSERT_EQ(fdt_.read_interrupts(timer, cells, 12), 12);  // 4 PPIs x 3 cells
    EXPECT_EQ(cells[0], 1u);    // GIC_PPI
    EXPECT_EQ(cells[1], 13u);   // secure physical timer
    EXPECT_EQ(cells[7], 11u);   // virtual timer: PPI 11 = interrupt 27
    uint32_t few[2] = {};
    EXPECT_EQ(fdt_.read_interrupts(timer, few, 2), 12);  // copies 2, reports 12
    EXPECT_EQ(few[1], 13u);
    EXPECT_EQ(fdt_.read_interrupts(fdt_.root(), few, 2), -1);
}

TEST_F(QemuVirt, FindCompatibleIterates) {
    int count = 0;
    for (int n = fdt_.find_compatible("virtio,mmio"); n != Fdt::kNone; n = fdt_.find_compatible("virtio,mmio", n))
        count++;
    EXPECT_EQ(count, 32);  // QEMU's virt board has 32 virtio-mmio transports
}

TEST_F(QemuVirt, ChildrenAndSiblings) {
    int cpus = fdt_.find_path("/cpus");
    std::vector<std::string> names;
    for (int n = fdt_.first_child(cpus); n != Fdt::kNone; n = fdt_.next_sibling(n)) names.push_back(fdt_.node_name(n));
    std::vector<std::string> want = {"cpu-map", "cpu@0", "cpu@1", "cpu@2", "cpu@3"};
    EXPECT_EQ(names, want);
    EXPECT_EQ(fdt_.first_child(fdt_.find_path("/chosen")), Fdt::kNone);
    // Depth tracking: a walk from /cpus with a depth stays inside /cpus.
    int depth = 0, inside = 0;
    for (int n = fdt_.next_node(cpus, &depth); n != Fdt::kNone; n = fdt_.next_node(n, &depth)) {
        EXPECT_GT(depth, 0);
        inside++;
    }
    EXPECT_EQ(inside, 4 + 3 + 4);  // cpu@0..3; cpu-map, socket0, cluster0; core0..3
}

TEST_F(QemuVirt, NoReservations) {
    uint64_t base, size;
    EXPECT_FALSE(fdt_.reserved_range(0, &base, &size));
}

TEST_F(QemuVirt, BadNodeOffsetsAreHarmless) {
    for (int bad : {-1, -4, 1, 2, 3, 5, 1 << 20, int(blob_.size()), 0x7ffffffc}) {
        EXPECT_EQ(fdt_.node_name(bad), nullptr) << bad;
        EXPECT_EQ(fdt_.first_child(bad), Fdt::kNone);
        EXPECT_EQ(fdt_.next_sibling(bad), Fdt::kNone);
        EXPECT_EQ(fdt_.next_node(bad), Fdt::kNone);
        EXPECT_EQ(fdt_.parent(bad), Fdt::kNone);
        uint32_t len;
        EXPECT_EQ(fdt_.property(bad, "reg", &len), nullptr);
    }
    // An offset of a property token is not a node either.
    int chosen = fdt_.find_path("/chosen");
    EXPECT_EQ(fdt_.node_name(chosen + 12), nullptr);
}

// ---- The handcrafted tree --------------------------------------------------

class Handcrafted : public ::testing::Test {
protected:
    void SetUp() override {
        blob_ = load(TEST_DTB_PATH);
        if (blob_.empty()) GTEST_SKIP() << "dtc not installed: " << TEST_DTB_PATH << " was not built";
        ASSERT_TRUE(fdt_.init(blob_.data(), blob_.size())) << fdt_.error();
    }
    std::vector<uint8_t> blob_;
    Fdt fdt_;
};

TEST_F(Handcrafted, OneCellRegAndTwoMemoryNodes) {
    int mem0 = fdt_.find_by_name("memory");
    ASSERT_NE(mem0, Fdt::kNone);
    EXPECT_STREQ(fdt_.node_name(mem0), "memory@0");
    EXPECT_EQ(fdt_.reg_count(mem0), 2);
    uint64_t base = 0, size = 0;
    ASSERT_TRUE(fdt_.read_reg(mem0, 1, &base, &size));
    EXPECT_EQ(base, 0x10000000u);
    EXPECT_EQ(size, 0x8000000u);
    int mem1 = fdt_.find_by_name("memory", mem0);
    ASSERT_NE(mem1, Fdt::kNone);
    EXPECT_STREQ(fdt_.node_name(mem1), "memory@40000000");
    ASSERT_TRUE(fdt_.read_reg(mem1, 0, &base, &size));
    EXPECT_EQ(base, 0x40000000u);
    EXPECT_EQ(size, 0x1000000u);
    EXPECT_EQ(fdt_.find_by_name("memory", mem1), Fdt::kNone);
    EXPECT_EQ(fdt_.find_path("/memory"), mem0);  // the first match
}

TEST_F(Handcrafted, Reservations) {
    uint64_t base = 0, size = 0;
    ASSERT_TRUE(fdt_.reserved_range(0, &base, &size));
    EXPECT_EQ(base, 0x10000000u);
    EXPECT_EQ(size, 0x2000u);
    ASSERT_TRUE(fdt_.reserved_range(1, &base, &size));
    EXPECT_EQ(base, 0x20000000u);
    EXPECT_EQ(size, 0x100000u);
    EXPECT_FALSE(fdt_.reserved_range(2, &base, &size));
}

TEST_F(Handcrafted, CpusAndUnitAddressMatching) {
    EXPECT_EQ(fdt_.cpu_count(), 3);  // disabled CPUs are still described
    int cpu1 = fdt_.find_path("/cpus/cpu@1");
    int cpu10 = fdt_.find_path("/cpus/cpu@10");
    ASSERT_NE(cpu1, Fdt::kNone);
    ASSERT_NE(cpu10, Fdt::kNone);
    EXPECT_NE(cpu1, cpu10);
    EXPECT_STREQ(fdt_.read_string(cpu10, "status"), "disabled");
    EXPECT_EQ(fdt_.find_path("/cpus/cpu"), fdt_.find_path("/cpus/cpu@0"));
    EXPECT_EQ(fdt_.find_path("/cpus/cpu@2"), Fdt::kNone);
    EXPECT_EQ(fdt_.find_path("/cpus/cpu-map/cluster0/core0"), fdt_.find_by_name("core0"));
}

TEST_F(Handcrafted, ChosenNumbersOfEitherSize) {
    int chosen = fdt_.find_path("/chosen");
    EXPECT_STREQ(fdt_.read_string(chosen, "bootargs"), "test=all smp=2");
    uint64_t start = 0, end = 0;
    ASSERT_TRUE(fdt_.read_u64(chosen, "linux,initrd-start", &start));  // 4 bytes, widened
    ASSERT_TRUE(fdt_.read_u64(chosen, "linux,initrd-end", &end));      // 8 bytes
    EXPECT_EQ(start, 0x48000000u);
    EXPECT_EQ(end, 0x48100000u);
    uint32_t v32 = 0;
    EXPECT_TRUE(fdt_.read_u32(chosen, "linux,initrd-start", &v32));
    EXPECT_FALSE(fdt_.read_u32(chosen, "linux,initrd-end", &v32));  // wrong size
    EXPECT_FALSE(fdt_.read_u32(chosen, "bootargs", &v32));
    EXPECT_EQ(fdt_.read_string(fdt_.find_path("/soc/uart@3000"), "interrupts"), nullptr);  // not a string
}

TEST_F(Handcrafted, InterruptParents) {
    int pic = fdt_.find_compatible("handoff,pic");
    int legacy = fdt_.find_compatible("handoff,legacy-pic");
    int uart0 = fdt_.find_path("/soc/uart@3000");
    int uart1 = fdt_.find_path("/soc/uart@4000");
    ASSERT_NE(uart0, Fdt::kNone);
    EXPECT_EQ(fdt_.interrupt_parent(uart0), pic);  // inherited from /soc
    EXPECT_EQ(fdt_.interrupt_cells(uart0), 2);
    EXPECT_EQ(fdt_.interrupt_parent(uart1), legacy);  // its own, via linux,phandle
    EXPECT_EQ(fdt_.interrupt_cells(uart1), 1);
    uint32_t cells[2] = {};
    EXPECT_EQ(fdt_.read_interrupts(uart0, cells, 2), 2);
    EXPECT_EQ(cells[0], 5u);
    EXPECT_EQ(cells[1], 1u);
    EXPECT_EQ(fdt_.interrupt_parent(fdt_.find_path("/chosen")), Fdt::kNone);
    EXPECT_EQ(fdt_.interrupt_cells(fdt_.find_path("/chosen")), -1);
    // Two nodes are compatible with ns16550a, found in document order.
    EXPECT_EQ(fdt_.find_compatible("ns16550a"), uart0);
    EXPECT_EQ(fdt_.find_compatible("ns16550a", uart0), uart1);
    EXPECT_EQ(fdt_.find_by_phandle(0x77), fdt_.find_path("/placeholder"));
}

TEST_F(Handcrafted, DeepNodes) {
    int leaf = fdt_.find_path("/soc/deep/a/b/c/leaf");
    ASSERT_NE(leaf, Fdt::kNone);
    uint32_t v = 0;
    ASSERT_TRUE(fdt_.read_u32(leaf, "value", &v));
    EXPECT_EQ(v, 0xdeadbeefu);
    uint64_t w = 0;
    ASSERT_TRUE(fdt_.read_u64(leaf, "wide", &w));
    EXPECT_EQ(w, 0x123456789abcdef0u);
    EXPECT_EQ(fdt_.parent(fdt_.parent(leaf)), fdt_.find_path("/soc/deep/a/b"));
    uint32_t ac = 0, sc = 0;
    ASSERT_TRUE(fdt_.reg_cells(leaf, &ac, &sc));  // "c" has no #cells: the defaults
    EXPECT_EQ(ac, 2u);
    EXPECT_EQ(sc, 1u);
    EXPECT_FALSE(fdt_.reg_cells(fdt_.root(), &ac, &sc));
}

// ---- Broken blobs ----------------------------------------------------------

TEST(FdtCorrupt, RejectsBadHeaders) {
    Fdt fdt;
    EXPECT_FALSE(fdt.init(nullptr, 100));
    EXPECT_FALSE(fdt.valid());
    auto good = qemu_virt();

    auto b = good;
    b[0] ^= 1;
    EXPECT_FALSE(fdt.init(b.data(), b.size()));
    EXPECT_STREQ(fdt.error(), "bad magic (not a DTB)");
    EXPECT_EQ(fdt.find_path("/chosen"), Fdt::kNone);  // unusable after a failed init
    EXPECT_EQ(fdt.cpu_count(), 0);

    b = good;
    put_be32(b, kVersion, 16);
    EXPECT_FALSE(fdt.init(b.data(), b.size()));
    EXPECT_STREQ(fdt.error(), "unsupported version");

    b = good;
    put_be32(b, kTotalSize, uint32_t(b.size() + 1));  // claims more than there is
    EXPECT_FALSE(fdt.init(b.data(), b.size()));
    EXPECT_STREQ(fdt.error(), "bad totalsize");

    b = good;
    put_be32(b, kOffStruct, uint32_t(b.size()));
    EXPECT_FALSE(fdt.init(b.data(), b.size()));
    EXPECT_STREQ(fdt.error(), "structure block out of bounds");

    b = good;
    put_be32(b, kSizeStruct, 0xfffffff0);  // offset + size overflows 32 bits
    EXPECT_FALSE(fdt.init(b.data(), b.size()));

    b = good;
    put_be32(b, kSizeStrings, uint32_t(b.size()));
    EXPECT_FALSE(fdt.init(b.data(), b.size()));
    EXPECT_STREQ(fdt.error(), "strings block out of bounds");

    // A limit smaller than the header itself.
    EXPECT_FALSE(fdt.init(good.data(), 39));
    EXPECT_STREQ(fdt.error(), "truncated header");

    // And the good one still works with the same object afterwards.
    EXPECT_TRUE(fdt.init(good.data(), good.size()));
}

TEST(FdtCorrupt, RejectsBadStructure) {
    auto good = qemu_virt();
    const size_t s = get_be32(good, kOffStruct);
    Fdt fdt;

    auto b = good;
    put_be32(b, s, 7);  // unknown tag where the root node starts
    EXPECT_FALSE(fdt.init(b.data(), b.size()));
    EXPECT_STREQ(fdt.error(), "bad token in structure block");

    // The first property: make its name offset point past the strings block.
    b = good;
    size_t prop = s + 8;  // root BEGIN_NODE with the empty name: 4 + 4 bytes
    ASSERT_EQ(get_be32(b, prop), 3u);
    put_be32(b, prop + 8, get_be32(b, kSizeStrings));
    EXPECT_FALSE(fdt.init(b.data(), b.size()));

    // ...or its length past the structure block.
    b = good;
    put_be32(b, prop + 4, 0x7fffffff);
    EXPECT_FALSE(fdt.init(b.data(), b.size()));

    // The last token is FDT_END; turn it into END_NODE: unbalanced.
    b = good;
    size_t end = s + get_be32(b, kSizeStruct) - 4;
    ASSERT_EQ(get_be32(b, end), 9u);
    put_be32(b, end, 2);
    EXPECT_FALSE(fdt.init(b.data(), b.size()));

    // ...or a NOP: the block then ends with no FDT_END at all.
    put_be32(b, end, 4);
    EXPECT_FALSE(fdt.init(b.data(), b.size()));

    // Strings block without a final NUL: the last property name runs off it.
    b = good;
    size_t strings_end = get_be32(b, kOffStrings) + get_be32(b, kSizeStrings);
    ASSERT_EQ(b[strings_end - 1], 0);
    b[strings_end - 1] = 'x';
    EXPECT_FALSE(fdt.init(b.data(), b.size()));
}

TEST(FdtCorrupt, EveryTruncationIsRejected) {
    auto good = qemu_virt();
    Fdt fdt;
    for (size_t len = 0; len < good.size(); len++) {
        // The buffer really ends at len: ASan catches a read past it.
        std::vector<uint8_t> cut(good.begin(), good.begin() + long(len));
        EXPECT_FALSE(fdt.init(cut.data(), cut.size())) << len;

        // Now a header that agrees with the truncation: totalsize and the
        // block sizes shrunk to fit, so only the structure walk can notice.
        if (len < 40) continue;
        put_be32(cut, kTotalSize, uint32_t(len));
        uint32_t soff = get_be32(cut, kOffStruct), ssize = get_be32(cut, kSizeStruct);
        if (soff + ssize > len) put_be32(cut, kSizeStruct, len > soff ? uint32_t(len - soff) & ~3u : 0);
        uint32_t toff = get_be32(cut, kOffStrings), tsize = get_be32(cut, kSizeStrings);
        if (toff + tsize > len) put_be32(cut, kSizeStrings, len > toff ? uint32_t(len - toff) : 0);
        if (fdt.init(cut.data(), cut.size())) exercise(fdt);  // if accepted, must stay in bounds
        // Cutting the structure block always loses FDT_END.
        if (len < soff + ssize) {
            EXPECT_FALSE(fdt.valid()) << len;
        }
    }
}

// The same tree laid out as header, reservation map, strings, structure: the
// structure block last, so cutting the blob cuts it with everything else
// intact and the structure walk itself must notice.
std::vector<uint8_t> structure_last(const std::vector<uint8_t>& good) {
    uint32_t soff = get_be32(good, kOffStruct), ssize = get_be32(good, kSizeStruct);
    uint32_t toff = get_be32(good, kOffStrings), tsize = get_be32(good, kSizeStrings);
    std::vector<uint8_t> b(good.begin(), good.begin() + 40);  // header
    b.resize(56, 0);                                         // empty reservation map at 40
    put_be32(b, 16, 40);
    put_be32(b, kOffStrings, 56);
    b.insert(b.end(), good.begin() + toff, good.begin() + toff + tsize);
    while (b.size() % 4) b.push_back(0);
    put_be32(b, kOffStruct, uint32_t(b.size()));
    b.insert(b.end(), good.begin() + soff, good.begin() + soff + ssize);
    put_be32(b, kTotalSize, uint32_t(b.size()));
    return b;
}

TEST(FdtCorrupt, EveryCutOfAFinalStructureBlockIsRejected) {
    auto moved = structure_last(qemu_virt());
    Fdt fdt;
    ASSERT_TRUE(fdt.init(moved.data(), moved.size())) << fdt.error();
    EXPECT_EQ(exercise(fdt), 62);  // same tree, new layout
    const uint32_t soff = get_be32(moved, kOffStruct);
    for (size_t len = soff; len < moved.size(); len++) {
        std::vector<uint8_t> cut(moved.begin(), moved.begin() + long(len));
        put_be32(cut, kTotalSize, uint32_t(len));
        put_be32(cut, kSizeStruct, uint32_t(len - soff));
        EXPECT_FALSE(fdt.init(cut.data(), cut.size())) << len;
        // Cut at a token boundary the header is fine: the walk is what fails.
        if ((len - soff) % 4 == 0) {
            EXPECT_STRNE(fdt.error(), "structure block out of bounds") << len;
        }
    }
}

TEST(FdtCorrupt, RandomByteFlipsNeverReadOutOfBounds) {
    auto good = qemu_virt();
    std::mt19937 rng(12345);  // fixed seed: a failure reproduces
    Fdt fdt;
    int rejected = 0, accepted = 0;
    for (int round = 0; round < 3000; round++) {
        auto b = good;
        int flips = 1 + int(rng() % 8);
        for (int i = 0; i < flips; i++) {
            // Half the time hit the header or a token tag/length (a multiple
            // of 4 in the structure block), where damage matters most.
            size_t pos = rng() % 2 ? rng() % b.size() : (rng() % 2 ? rng() % 40 : (40 + 4 * (rng() % 500)) % b.size());
            b[pos] = uint8_t(rng());
        }
        if (fdt.init(b.data(), b.size())) {
            accepted++;
            exercise(fdt);
        } else {
            rejected++;
        }
    }
    // Both outcomes happen: damaged values are read back (accepted), broken
    // structure is refused (rejected).
    EXPECT_GT(rejected, 100);
    EXPECT_GT(accepted, 100);
}

TEST(FdtCorrupt, SelfReferencingInterruptParentTerminates) {
    // interrupt-parent pointing at a node without #interrupt-cells, and a
    // phandle nobody has: the lookups give up instead of looping.
    auto b = qemu_virt();
    Fdt fdt;
    ASSERT_TRUE(fdt.init(b.data(), b.size()));
    int uart = fdt.find_compatible("arm,pl011");
    uint32_t len = 0;
    const uint8_t* p = fdt.property(fdt.root(), "interrupt-parent", &len);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(len, 4u);
    size_t off = size_t(p - b.data());
    put_be32(b, off, 0x12345);  // dangling phandle
    ASSERT_TRUE(fdt.init(b.data(), b.size()));
    EXPECT_EQ(fdt.interrupt_parent(uart), Fdt::kNone);
    EXPECT_EQ(fdt.interrupt_cells(uart), -1);
}

}  // namespace
