// kernel/fs/cpio.cpp - see cpio.h.
#include "kernel/fs/cpio.h"

#include "kernel/errno.h"
#include "kernel/lib/string.h"

namespace {

constexpr size_t kMagicSize = 6;
constexpr size_t kFieldCount = 13;
constexpr size_t kFieldSize = 8;
static_assert(kMagicSize + kFieldCount * kFieldSize == kCpioHeaderSize);

// The header's fields, in order.
enum Field {
    kIno, kMode, kUid, kGid, kNlink, kMtime, kFileSize, kDevMajor, kDevMinor,
    kRdevMajor, kRdevMinor, kNameSize, kCheck,
};

constexpr char kTrailerName[] = "TRAILER!!!";

// Bytes of padding that bring `offset` up to a multiple of 4.
size_t pad4(size_t offset) { return (4 - offset % 4) % 4; }

// Exactly 8 hex digits (either case) -> *value. False for anything else:
// cpio writes no spaces, signs or "0x" here.
bool parse_hex8(const uint8_t* p, uint32_t* value) {
    uint32_t v = 0;
    for (size_t i = 0; i < kFieldSize; i++) {
        uint8_t c = p[i];
        uint32_t digit;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        else return false;
        v = v << 4 | digit;
    }
    *value = v;
    return true;
}

void put_hex8(uint8_t* p, uint32_t value) {
    constexpr char kDigits[] = "0123456789abcdef";
    for (int i = int(kFieldSize) - 1; i >= 0; i--) {
        p[i] = uint8_t(kDigits[value & 0xf]);
        value >>= 4;
    }
}

}  // namespace

int CpioReader::next(CpioEntry* entry) {
    if (done_ != 1) return done_;
    done_ = -EINVAL;  // every early return below is a malformed archive

    // Invariant: pos_ <= size_, so `size_ - pos_` (what is left) never wraps.
    // Each check below compares a length with what is left rather than
    // adding it to pos_ first, so a huge length cannot overflow past the end.
    if (size_ - pos_ < kCpioHeaderSize) return done_;
    const uint8_t* header = archive_ + pos_;
    if (memcmp(header, "07070", 5) != 0 || (header[5] != '1' && header[5] != '2')) return done_;

    uint32_t fields[kFieldCount];
    for (size_t i = 0; i < kFieldCount; i++) {
        if (!parse_hex8(header + kMagicSize + i * kFieldSize, &fields[i])) return done_;
    }

    // The name: at least its NUL, all of it inside the archive, NUL-terminated
    // exactly at its end (an embedded NUL would make name_len disagree with
    // namesize and hide part of the name).
    size_t name_start = pos_ + kCpioHeaderSize;
    size_t name_size = fields[kNameSize];
    if (name_size == 0 || name_size > size_ - name_start) return done_;
    const char* name = reinterpret_cast<const char*>(archive_ + name_start);
    if (strnlen(name, name_size) != name_size - 1) return done_;

    // The data, after the name's padding.
    size_t name_end = name_start + name_size;
    size_t padding = pad4(name_end);
    if (padding > size_ - name_end) return done_;
    size_t data_start = name_end + padding;
    size_t data_size = fields[kFileSize];
    if (data_size > size_ - data_start) return done_;
    size_t data_end = data_start + data_size;

    entry->name = name;
    entry->name_len = name_size - 1;
    entry->ino = fields[kIno];
    entry->mode = fields[kMode];
    entry->uid = fields[kUid];
    entry->gid = fields[kGid];
    entry->nlink = fields[kNlink];
    entry->mtime = fields[kMtime];
    entry->rdev_major = fields[kRdevMajor];
    entry->rdev_minor = fields[kRdevMinor];
    entry->data = archive_ + data_start;
    entry->size = data_size;

    if (entry->name_len == sizeof kTrailerName - 1 && memcmp(name, kTrailerName, entry->name_len) == 0) {
        pos_ = data_end;
        done_ = 0;
        return 0;
    }
    // The next header starts after the data's padding. The last entry is
    // the trailer, so a real archive always has that padding; if it is
    // missing, the next call finds no room for a header and fails.
    size_t data_padding = pad4(data_end);
    pos_ = data_padding > size_ - data_end ? size_ : data_end + data_padding;
    done_ = 1;
    return 1;
}

bool cpio_append(uint8_t* buf, size_t capacity, size_t* len, const char* name, uint32_t mode,
                 const void* data, size_t size) {
    size_t start = *len;
    size_t name_size = strlen(name) + 1;
    if (start % 4 != 0 || start > capacity || size > UINT32_MAX || name_size > UINT32_MAX)
        return false;
    // Same order of checks as the reader: each length against what is left.
    size_t left = capacity - start;
    if (left < kCpioHeaderSize || name_size > left - kCpioHeaderSize) return false;
    size_t name_end = kCpioHeaderSize + name_size;
    size_t data_start = name_end + pad4(start + name_end);
    if (data_start > left || size > left - data_start) return false;
    size_t data_end = data_start + size;
    size_t end = data_end + pad4(start + data_end);
    if (end > left) return false;

    uint8_t* p = buf + start;
    memcpy(p, "070701", kMagicSize);
    uint32_t fields[kFieldCount] = {};
    fields[kIno] = 0;
    fields[kMode] = mode;
    fields[kNlink] = (mode & 0170000) == 0040000 ? 2 : 1;
    fields[kFileSize] = uint32_t(size);
    fields[kNameSize] = uint32_t(name_size);
    for (size_t i = 0; i < kFieldCount; i++) put_hex8(p + kMagicSize + i * kFieldSize, fields[i]);
    memcpy(p + kCpioHeaderSize, name, name_size);
    memset(p + name_end, 0, data_start - name_end);
    if (size) memcpy(p + data_start, data, size);
    memset(p + data_end, 0, end - data_end);
    *len = start + end;
    return true;
}

bool cpio_append_trailer(uint8_t* buf, size_t capacity, size_t* len) {
    return cpio_append(buf, capacity, len, kTrailerName, 0, nullptr, 0);
}
