// kernel/lib/fdt.cpp - the device tree reader (see fdt.h for the format).
//
// Everything rests on read_token(): given an offset into the structure block
// it decodes one token, checking that the token, a node's name or a
// property's value and name all lie inside the blob. The tree walks
// (children, siblings, document order) are loops over read_token, so they
// inherit its checks; and since each token is at least 4 bytes long, offsets
// only grow and every walk ends. libfdt's fdt_next_tag() plays this role in
// Linux's copy of libfdt.
#include "kernel/lib/fdt.h"

#include "kernel/lib/string.h"

namespace {

// The version 17 header, as byte offsets (all fields big-endian u32).
constexpr uint32_t kHeaderMagic = 0;
constexpr uint32_t kHeaderTotalSize = 4;
constexpr uint32_t kHeaderOffStruct = 8;
constexpr uint32_t kHeaderOffStrings = 12;
constexpr uint32_t kHeaderOffRsvmap = 16;
constexpr uint32_t kHeaderVersion = 20;
constexpr uint32_t kHeaderLastCompVersion = 24;
constexpr uint32_t kHeaderBootCpuid = 28;
constexpr uint32_t kHeaderSizeStrings = 32;
constexpr uint32_t kHeaderSizeStruct = 36;
constexpr uint32_t kHeaderSize = 40;

// Version 17 added size_dt_struct, which the bounds checks need; every tool
// since 2008 (dtc, QEMU, U-Boot) writes 17 and marks it readable as 16.
constexpr uint32_t kVersion = 17;
// Node offsets are ints: refuse blobs too large for that (real ones are KiBs).
constexpr uint32_t kMaxTotalSize = 1u << 30;

// The blob is big-endian and may sit at any alignment: read byte by byte.
uint32_t be32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
uint64_t be64(const uint8_t* p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }

// `cells` 32-bit cells as one number (1 cell: u32, 2 cells: u64).
uint64_t read_cells(const uint8_t* p, uint32_t cells) {
    uint64_t value = 0;
    for (uint32_t i = 0; i < cells; i++) value = value << 32 | be32(p + 4 * i);
    return value;
}

uint32_t align4(uint32_t n) { return (n + 3) & ~3u; }

// Does [offset, offset + size) lie within total? Written so it cannot
// overflow: both tests needed.
bool fits(uint32_t offset, uint32_t size, uint32_t total) {
    return offset <= total && size <= total - offset;
}

// Node name `name` against the path component comp[0..len): equal, or equal
// up to an '@' when the component has no unit address itself.
bool name_matches(const char* name, const char* comp, size_t len) {
    if (strncmp(name, comp, len) != 0) return false;
    if (name[len] == '\0') return true;
    if (name[len] != '@') return false;
    for (size_t i = 0; i < len; i++) {
        if (comp[i] == '@') return false;  // "cpu@1" must not match "cpu@10"
    }
    return true;
}

}  // namespace

bool Fdt::fail(const char* why) {
    error_ = why;
    root_ = kNone;
    return false;
}

bool Fdt::init(const void* blob, size_t limit) {
    blob_ = static_cast<const uint8_t*>(blob);
    root_ = kNone;
    total_ = 0;
    if (blob_ == nullptr) return fail("no device tree");
    if (limit < kHeaderSize) return fail("truncated header");
    if (be32(blob_ + kHeaderMagic) != kMagic) return fail("bad magic (not a DTB)");

    uint32_t total = be32(blob_ + kHeaderTotalSize);
    uint32_t version = be32(blob_ + kHeaderVersion);
    uint32_t last_comp = be32(blob_ + kHeaderLastCompVersion);
    if (version < kVersion || last_comp > kVersion) return fail("unsupported version");
    if (total < kHeaderSize || total > limit || total > kMaxTotalSize) return fail("bad totalsize");

    struct_off_ = be32(blob_ + kHeaderOffStruct);
    struct_size_ = be32(blob_ + kHeaderSizeStruct);
    strings_off_ = be32(blob_ + kHeaderOffStrings);
    strings_size_ = be32(blob_ + kHeaderSizeStrings);
    rsvmap_off_ = be32(blob_ + kHeaderOffRsvmap);
    boot_cpuid_ = be32(blob_ + kHeaderBootCpuid);

    // The three blocks must lie inside the blob, after the header. Tokens are
    // 4-byte aligned and reservation entries 8-byte aligned within it.
    if (struct_off_ < kHeaderSize || struct_off_ % 4 || !fits(struct_off_, struct_size_, total))
        return fail("structure block out of bounds");
    if (strings_off_ < kHeaderSize || !fits(strings_off_, strings_size_, total))
        return fail("strings block out of bounds");
    if (rsvmap_off_ < kHeaderSize || rsvmap_off_ % 8 || rsvmap_off_ > total)
        return fail("reservation map out of bounds");
    total_ = total;
    return check_structure();
}

// Walks every token once: nodes must nest properly, properties sit inside
// nodes, there is exactly one root, and FDT_END follows it.
bool Fdt::check_structure() {
    int offset = 0;
    int depth = 0;
    int root = kNone;
    for (;;) {
        Token t;
        if (!read_token(offset, &t)) return fail("bad token in structure block");
        switch (t.tag) {
        case kBeginNode:
            if (depth == 0) {
                if (root != kNone) return fail("more than one root node");
                root = offset;
            }
            if (++depth > kMaxDepth) return fail("nodes nested too deep");
            break;
        case kEndNode:
            if (depth == 0) return fail("END_NODE without BEGIN_NODE");
            depth--;
            break;
        case kProp:
            if (depth == 0) return fail("property outside any node");
            break;
        case kNop: break;
        case kEnd:
            if (depth != 0 || root == kNone) return fail("structure block ends inside a node");
            root_ = root;
            error_ = "";
            return true;
        }
        offset = t.next;
    }
}

bool Fdt::read_token(int offset, Token* t) const {
    // Check the offset before using it: it may come from a caller.
    if (blob_ == nullptr || offset < 0 || offset % 4) return false;
    if (!fits(uint32_t(offset), 4, struct_size_)) return false;
    const uint8_t* block = blob_ + struct_off_;
    uint32_t off = uint32_t(offset);
    t->tag = be32(block + off);
    off += 4;
    uint32_t remaining = struct_size_ - off;  // bytes after the tag

    switch (t->tag) {
    case kBeginNode: {
        // The name follows, NUL-terminated, padded to 4 bytes.
        const char* name = reinterpret_cast<const char*>(block + off);
        uint32_t len = uint32_t(strnlen(name, remaining));
        if (len == remaining) return false;  // no NUL inside the block
        t->name = name;
        t->next = int(off + align4(len + 1));
        return true;
    }
    case kProp: {
        // u32 value length, u32 offset of the name in the strings block, value.
        if (remaining < 8) return false;
        uint32_t size = be32(block + off);
        uint32_t name_off = be32(block + off + 4);
        off += 8;
        if (!fits(off, size, struct_size_)) return false;
        if (name_off >= strings_size_) return false;
        const char* name = reinterpret_cast<const char*>(blob_ + strings_off_ + name_off);
        if (strnlen(name, strings_size_ - name_off) == strings_size_ - name_off) return false;
        t->name = name;
        t->data = block + off;
        t->size = size;
        // align4 of a size near 2^32 would wrap: size <= struct_size_ < 2^30 here.
        t->next = int(off + align4(size));
        return true;
    }
    case kEndNode:
    case kNop:
    case kEnd: t->next = int(off); return true;
    default: return false;  // unknown tag: corrupt
    }
}

const char* Fdt::node_name(int node) const {
    Token t;
    if (!valid() || !read_token(node, &t) || t.tag != kBeginNode) return nullptr;
    return t.name;
}

int Fdt::next_node(int node, int* depth) const {
    Token t;
    if (!valid() || !read_token(node, &t) || t.tag != kBeginNode) return kNone;
    for (int offset = t.next; read_token(offset, &t); offset = t.next) {
        if (t.tag == kBeginNode) {
            if (depth) ++*depth;
            return offset;
        }
        if (t.tag == kEndNode && depth && --*depth < 0) return kNone;
        if (t.tag == kEnd) return kNone;
    }
    return kNone;  // ran off the block: corrupt
}

int Fdt::first_child(int node) const {
    int depth = 0;
    int next = next_node(node, &depth);
    return depth == 1 ? next : kNone;  // depth 0 would be a sibling
}

int Fdt::next_sibling(int node) const {
    // Count depth from the parent: the node and its siblings are at 1, their
    // descendants deeper. Skip those; leaving the parent (depth < 0) ends it.
    int depth = 1;
    int n = node;
    do {
        n = next_node(n, &depth);
    } while (n != kNone && depth > 1);
    return n;
}

int Fdt::parent(int node) const {
    if (!valid() || node == root_) return kNone;
    // Walk from the root, remembering the latest node seen at each depth:
    // when `node` turns up at depth d, its parent is the one at d - 1.
    int ancestors[kMaxDepth + 1];
    int depth = 0;
    ancestors[0] = root_;
    for (int n = root_; (n = next_node(n, &depth)) != kNone;) {
        if (depth > kMaxDepth) return kNone;
        ancestors[depth] = n;
        if (n == node) return ancestors[depth - 1];
    }
    return kNone;
}

int Fdt::find_path(const char* path) const {
    if (!valid() || path == nullptr || path[0] != '/') return kNone;
    int node = root_;
    const char* p = path;
    for (;;) {
        while (*p == '/') p++;
        if (*p == '\0') return node;
        const char* comp = p;
        while (*p && *p != '/') p++;
        size_t len = size_t(p - comp);
        int child = first_child(node);
        while (child != kNone && !name_matches(node_name(child), comp, len)) child = next_sibling(child);
        if (child == kNone) return kNone;
        node = child;
    }
}

// Where a search "after `after`" starts: the root, or the next node.
int Fdt::node_after(int after) const { return after == kNone ? root_ : next_node(after); }

int Fdt::find_by_name(const char* name, int after) const {
    size_t len = strlen(name);
    for (int n = node_after(after); n != kNone; n = next_node(n)) {
        if (name_matches(node_name(n), name, len)) return n;
    }
    return kNone;
}

int Fdt::find_compatible(const char* compatible, int after) const {
    for (int n = node_after(after); n != kNone; n = next_node(n)) {
        if (is_compatible(n, compatible)) return n;
    }
    return kNone;
}

int Fdt::find_by_phandle(uint32_t phandle) const {
    // 0 and 0xffffffff are not valid phandles (the specification reserves them).
    if (phandle == 0 || phandle == 0xffffffff) return kNone;
    for (int n = node_after(kNone); n != kNone; n = next_node(n)) {
        uint32_t value;
        // "linux,phandle" is the older spelling some trees still carry.
        if ((read_u32(n, "phandle", &value) || read_u32(n, "linux,phandle", &value)) && value == phandle)
            return n;
    }
    return kNone;
}

const uint8_t* Fdt::property(int node, const char* name, uint32_t* size) const {
    Token t;
    if (!valid() || !read_token(node, &t) || t.tag != kBeginNode) return nullptr;
    // A node's properties come right after its BEGIN_NODE, before any child.
    for (int offset = t.next; read_token(offset, &t); offset = t.next) {
        if (t.tag == kProp) {
            if (strcmp(t.name, name) == 0) {
                *size = t.size;
                return t.data;
            }
        } else if (t.tag != kNop) {
            break;  // a child or the end of the node: no more properties
        }
    }
    return nullptr;
}

bool Fdt::has_property(int node, const char* name) const {
    uint32_t size;
    return property(node, name, &size) != nullptr;
}

bool Fdt::read_u32(int node, const char* name, uint32_t* out) const {
    uint32_t size;
    const uint8_t* data = property(node, name, &size);
    if (data == nullptr || size != 4) return false;
    *out = be32(data);
    return true;
}

bool Fdt::read_u64(int node, const char* name, uint64_t* out) const {
    uint32_t size;
    const uint8_t* data = property(node, name, &size);
    if (data == nullptr || (size != 4 && size != 8)) return false;
    *out = size == 8 ? be64(data) : be32(data);
    return true;
}

const char* Fdt::read_string(int node, const char* name) const { return read_string_at(node, name, 0); }

const char* Fdt::read_string_at(int node, const char* name, int index) const {
    uint32_t size;
    const uint8_t* data = property(node, name, &size);
    // A string list is strings one after the other, each with its NUL, so
    // its last byte is a NUL. That also tells strings from binary values
    // (interrupts = <5 1> starts with a 0 byte, i.e. looks like "").
    if (data == nullptr || index < 0 || size == 0 || data[size - 1] != '\0') return nullptr;
    uint32_t pos = 0;
    for (int i = 0; pos < size; i++) {
        const char* s = reinterpret_cast<const char*>(data + pos);
        uint32_t len = uint32_t(strnlen(s, size - pos));
        if (len == size - pos) return nullptr;  // unterminated
        if (i == index) return s;
        pos += len + 1;
    }
    return nullptr;
}

bool Fdt::is_compatible(int node, const char* compatible) const {
    for (int i = 0;; i++) {
        const char* s = read_string_at(node, "compatible", i);
        if (s == nullptr) return false;
        if (strcmp(s, compatible) == 0) return true;
    }
}

bool Fdt::reg_cells(int node, uint32_t* address_cells, uint32_t* size_cells) const {
    int bus = parent(node);
    if (bus == kNone) return false;
    if (!read_u32(bus, "#address-cells", address_cells)) *address_cells = 2;
    if (!read_u32(bus, "#size-cells", size_cells)) *size_cells = 1;
    return true;
}

int Fdt::reg_count(int node) const {
    uint32_t ac, sc, size;
    if (!reg_cells(node, &ac, &sc) || ac + sc == 0 || ac > 4 || sc > 4) return 0;
    if (property(node, "reg", &size) == nullptr) return 0;
    return int(size / (4 * (ac + sc)));
}

bool Fdt::read_reg(int node, int index, uint64_t* base, uint64_t* size) const {
    uint32_t ac, sc, len;
    if (!reg_cells(node, &ac, &sc) || ac < 1 || ac > 2 || sc > 2) return false;
    const uint8_t* reg = property(node, "reg", &len);
    if (reg == nullptr || index < 0) return false;
    uint64_t entry = 4 * (ac + sc);
    if ((uint64_t(index) + 1) * entry > len) return false;
    const uint8_t* p = reg + uint64_t(index) * entry;
    *base = read_cells(p, ac);
    *size = read_cells(p + 4 * ac, sc);
    return true;
}

int Fdt::read_interrupts(int node, uint32_t* cells, int max_cells) const {
    uint32_t size;
    const uint8_t* data = property(node, "interrupts", &size);
    if (data == nullptr || size % 4) return -1;
    int count = int(size / 4);
    for (int i = 0; i < count && i < max_cells; i++) cells[i] = be32(data + 4 * i);
    return count;
}

int Fdt::interrupt_parent(int node) const {
    // Inherited: a node without the property uses its parent's, and so on.
    for (int n = node; n != kNone; n = parent(n)) {
        uint32_t phandle;
        if (read_u32(n, "interrupt-parent", &phandle)) return find_by_phandle(phandle);
    }
    return kNone;
}

int Fdt::interrupt_cells(int node) const {
    uint32_t cells;
    int controller = interrupt_parent(node);
    if (controller == kNone || !read_u32(controller, "#interrupt-cells", &cells) || cells > 16) return -1;
    return int(cells);
}

int Fdt::cpu_count() const {
    int cpus = find_path("/cpus");
    if (cpus == kNone) return 0;
    int count = 0;
    for (int n = first_child(cpus); n != kNone; n = next_sibling(n)) {
        const char* type = read_string(n, "device_type");
        if (type && strcmp(type, "cpu") == 0) count++;
    }
    return count;
}

bool Fdt::reserved_range(int index, uint64_t* base, uint64_t* size) const {
    if (!valid() || index < 0) return false;
    // Entries of (u64 address, u64 size), ended by an all-zero entry.
    for (int i = 0;; i++) {
        uint64_t offset = uint64_t(rsvmap_off_) + 16 * uint64_t(i);
        if (offset + 16 > total_) return false;  // no terminator inside the blob
        uint64_t b = be64(blob_ + offset), s = be64(blob_ + offset + 8);
        if (b == 0 && s == 0) return false;
        if (i == index) {
            *base = b;
            *size = s;
            return true;
        }
    }
}
