// tests/host/cpio_test.cpp - the initramfs parser (kernel/fs/cpio.h).
//
// The archive comes from outside the kernel, so most of these tests feed it
// broken archives: truncated at every length, with every byte overwritten,
// with lengths pointing past the end. Each parse works on a heap copy of
// exactly the archive's size, so AddressSanitizer turns a single byte read
// past the end into a failure. One test compares against archives written
// by the real `cpio -o -H newc`.
#include "kernel/fs/cpio.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

// A heap block of exactly the archive's size (a vector may have spare
// capacity that ASan would not flag).
struct Exact {
    explicit Exact(const Bytes& bytes) : size(bytes.size()), data(new uint8_t[bytes.size() ? bytes.size() : 1]) {
        if (size) memcpy(data.get(), bytes.data(), size);
    }
    size_t size;
    std::unique_ptr<uint8_t[]> data;
};

struct Entry {
    std::string name;
    uint32_t mode;
    std::string data;
};

struct Parsed {
    int status;                  // the last next(): 0 trailer, -EINVAL
    std::vector<Entry> entries;
};

Parsed parse(const Bytes& bytes) {
    Exact archive(bytes);
    CpioReader reader(archive.data.get(), archive.size);
    Parsed out;
    CpioEntry entry;
    // A bound on the loop: each entry takes at least 112 bytes.
    for (size_t i = 0; i <= bytes.size() / 4 + 1; i++) {
        out.status = reader.next(&entry);
        if (out.status != 1) return out;
        EXPECT_EQ(strlen(entry.name), entry.name_len);
        out.entries.push_back({entry.name, entry.mode,
                               std::string(reinterpret_cast<const char*>(entry.data), entry.size)});
    }
    ADD_FAILURE() << "the reader never finished";
    return out;
}

// Builds an archive with cpio_append.
class Builder {
public:
    Builder& add(const std::string& name, uint32_t mode, const std::string& data = "") {
        size_t len = bytes_.size();
        bytes_.resize(len + kCpioHeaderSize + name.size() + data.size() + 16);
        EXPECT_TRUE(cpio_append(bytes_.data(), bytes_.size(), &len, name.c_str(), mode, data.data(),
                                data.size()));
        bytes_.resize(len);
        return *this;
    }
    Bytes finish() {
        size_t len = bytes_.size();
        bytes_.resize(len + kCpioHeaderSize + 16);
        EXPECT_TRUE(cpio_append_trailer(bytes_.data(), bytes_.size(), &len));
        bytes_.resize(len);
        return bytes_;
    }

private:
    Bytes bytes_;
};

constexpr uint32_t kDir = 0040755, kFile = 0100644, kExec = 0100755;

Bytes sample() {
    return Builder()
        .add(".", kDir)
        .add("bin", kDir)
        .add("bin/init", kExec, "#!/bin/sh\necho hi\n")
        .add("etc/motd", kFile, "hello")  // parent not listed: the VFS creates it
        .add("empty", kFile, "")
        .add("abc", kFile, "x")           // 1 byte: data padding of 3
        .finish();
}

// Overwrites header field `field` (0 = ino ... 11 = namesize, 12 = check)
// of the entry at `offset` with 8 characters.
void set_field(Bytes& bytes, size_t offset, int field, const char* value) {
    ASSERT_EQ(strlen(value), 8u);
    memcpy(bytes.data() + offset + 6 + 8 * field, value, 8);
}
constexpr int kFileSizeField = 6, kNameSizeField = 11;

TEST(Cpio, ReadsWhatWasWritten) {
    Parsed p = parse(sample());
    EXPECT_EQ(p.status, 0);
    ASSERT_EQ(p.entries.size(), 6u);
    EXPECT_EQ(p.entries[0].name, ".");
    EXPECT_EQ(p.entries[0].mode, kDir);
    EXPECT_EQ(p.entries[2].name, "bin/init");
    EXPECT_EQ(p.entries[2].mode, kExec);
    EXPECT_EQ(p.entries[2].data, "#!/bin/sh\necho hi\n");
    EXPECT_EQ(p.entries[3].data, "hello");
    EXPECT_EQ(p.entries[4].data, "");
    EXPECT_EQ(p.entries[5].data, "x");
}

TEST(Cpio, EntriesAreFourByteAligned) {
    Bytes bytes = sample();
    EXPECT_EQ(bytes.size() % 4, 0u);
    Exact archive(bytes);
    CpioReader reader(archive.data.get(), archive.size);
    CpioEntry entry;
    while (reader.next(&entry) == 1) {
        EXPECT_EQ((entry.data - archive.data.get()) % 4, 0);
        EXPECT_EQ(reader.offset() % 4, 0u);
    }
    EXPECT_EQ(reader.offset(), bytes.size());  // the trailer is the last thing
}

TEST(Cpio, TrailerAndErrorsAreSticky) {
    Bytes bytes = sample();
    Exact archive(bytes);
    CpioReader reader(archive.data.get(), archive.size);
    CpioEntry entry;
    while (reader.next(&entry) == 1) {
    }
    EXPECT_EQ(reader.next(&entry), 0);
    EXPECT_EQ(reader.next(&entry), 0);

    Bytes bad = bytes;
    bad[0] = 'X';
    Exact broken(bad);
    CpioReader bad_reader(broken.data.get(), broken.size);
    EXPECT_EQ(bad_reader.next(&entry), -EINVAL);
    EXPECT_EQ(bad_reader.next(&entry), -EINVAL);
}

TEST(Cpio, EmptyArchiveIsAnError) {
    EXPECT_EQ(parse({}).status, -EINVAL);
}

TEST(Cpio, MissingTrailerIsAnError) {
    Bytes bytes = Builder().add("a", kFile, "data").finish();
    // Cut the trailer off: the archive ends cleanly after an entry.
    Exact archive(bytes);
    CpioReader reader(archive.data.get(), archive.size);
    CpioEntry entry;
    ASSERT_EQ(reader.next(&entry), 1);
    bytes.resize(reader.offset());
    EXPECT_EQ(parse(bytes).status, -EINVAL);
}

TEST(Cpio, EveryTruncationIsAnError) {
    Bytes bytes = sample();
    for (size_t len = 0; len < bytes.size(); len++) {
        Bytes cut(bytes.begin(), bytes.begin() + len);
        Parsed p = parse(cut);
        // The trailer's own padding is the only part that may be missing
        // (none here: the trailer ends on a multiple of 4 already).
        EXPECT_EQ(p.status, -EINVAL) << "truncated to " << len << " bytes";
    }
    // Bytes after the trailer (a boot loader pads the image) are ignored.
    Bytes padded = bytes;
    padded.resize(bytes.size() + 512, 0);
    EXPECT_EQ(parse(padded).status, 0);
}

TEST(Cpio, OverwritingAnyByteNeverReadsOutOfBounds) {
    // Not every change is detectable (a changed file byte is still a valid
    // archive), but none may make the reader step outside the archive:
    // ASan checks that. The values are chosen to hit the interesting cases:
    // a non-hex digit, the largest length, a NUL, a small digit.
    Bytes bytes = sample();
    for (size_t i = 0; i < bytes.size(); i++) {
        for (uint8_t value : {uint8_t('x'), uint8_t('f'), uint8_t('F'), uint8_t(0), uint8_t('1')}) {
            Bytes bad = bytes;
            bad[i] = value;
            Parsed p = parse(bad);
            EXPECT_TRUE(p.status == 0 || p.status == -EINVAL);
        }
    }
}

TEST(Cpio, RandomGarbageNeverReadsOutOfBounds) {
    srand(1);
    for (int round = 0; round < 2000; round++) {
        Bytes bytes = sample();
        // A valid header followed by random edits, so parsing goes deep.
        for (int k = 0; k < 4; k++) bytes[size_t(rand()) % bytes.size()] = uint8_t(rand());
        bytes.resize(size_t(rand()) % (bytes.size() + 1));
        Parsed p = parse(bytes);
        EXPECT_TRUE(p.status == 0 || p.status == -EINVAL);
    }
}

TEST(Cpio, BadMagicIsAnError) {
    for (const char* magic : {"070707", "070700", "170701", "07070x"}) {
        Bytes bytes = sample();
        memcpy(bytes.data(), magic, 6);
        EXPECT_EQ(parse(bytes).status, -EINVAL) << magic;
    }
}

TEST(Cpio, ChecksumVariantIsAccepted) {
    Bytes bytes = sample();
    bytes[5] = '2';  // "070702": same layout, checksum not verified
    EXPECT_EQ(parse(bytes).status, 0);
}

TEST(Cpio, NonHexFieldIsAnError) {
    for (const char* value : {"0000000g", " 0000001", "-0000001", "0x000001"}) {
        Bytes bytes = sample();
        set_field(bytes, 0, kFileSizeField, value);
        EXPECT_EQ(parse(bytes).status, -EINVAL) << value;
    }
}

TEST(Cpio, UppercaseHexIsAccepted) {
    Bytes bytes = Builder().add("big", kFile, std::string(0xAB, 'z')).finish();
    set_field(bytes, 0, kFileSizeField, "000000AB");
    Parsed p = parse(bytes);
    EXPECT_EQ(p.status, 0);
    ASSERT_EQ(p.entries.size(), 1u);
    EXPECT_EQ(p.entries[0].data.size(), 0xABu);
}

TEST(Cpio, HugeLengthsAreErrors) {
    for (int field : {kFileSizeField, kNameSizeField}) {
        for (const char* value : {"ffffffff", "7fffffff", "00010000"}) {
            Bytes bytes = sample();
            set_field(bytes, 0, field, value);
            EXPECT_EQ(parse(bytes).status, -EINVAL) << "field " << field << " = " << value;
        }
    }
}

TEST(Cpio, FileSizeOnePastTheEndIsAnError) {
    // An archive of one entry and no trailer, whose data ends exactly at the
    // end of the archive; then its size is raised by one byte.
    Bytes bytes = Builder().add("a", kFile, "abcd").finish();
    Exact archive(bytes);
    CpioReader reader(archive.data.get(), archive.size);
    CpioEntry entry;
    ASSERT_EQ(reader.next(&entry), 1);
    bytes.resize(reader.offset());  // just the one entry, ending at its data
    char size[9];
    snprintf(size, sizeof size, "%08zx", bytes.size() - 112 + 1);  // 110 header + "a\0"
    set_field(bytes, 0, kFileSizeField, size);
    EXPECT_EQ(parse(bytes).status, -EINVAL);
}

TEST(Cpio, NameMustBeTerminatedExactly) {
    // namesize 0: not even the NUL.
    Bytes bytes = sample();
    set_field(bytes, 0, kNameSizeField, "00000000");
    EXPECT_EQ(parse(bytes).status, -EINVAL);

    // The NUL is not where namesize says it is.
    bytes = Builder().add("abc", kFile, "data").finish();
    set_field(bytes, 0, kNameSizeField, "00000003");  // "abc" without its NUL
    EXPECT_EQ(parse(bytes).status, -EINVAL);

    // An embedded NUL would hide the rest of the name.
    bytes = Builder().add("abc", kFile, "data").finish();
    bytes[110 + 1] = '\0';
    EXPECT_EQ(parse(bytes).status, -EINVAL);
}

TEST(Cpio, WriterRefusesWhatDoesNotFit) {
    uint8_t buf[200];
    size_t len = 0;
    EXPECT_FALSE(cpio_append(buf, sizeof buf, &len, "name", kFile, "x", 100));
    EXPECT_EQ(len, 0u);
    EXPECT_TRUE(cpio_append(buf, sizeof buf, &len, "name", kFile, "x", 1));
    EXPECT_EQ(len, 120u);  // 110 + "name\0" = 115, padded to 116; + 1 byte of data, padded
    EXPECT_FALSE(cpio_append_trailer(buf, sizeof buf, &len));  // 110 + 11 > 80 left
    EXPECT_EQ(len, 120u);
}

// ---- against the real cpio ------------------------------------------------

std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(pipe), 0) << command;
    return out;
}

TEST(Cpio, ReadsArchivesFromGnuCpio) {
    if (system("command -v cpio >/dev/null 2>&1") != 0) GTEST_SKIP() << "cpio is not installed";
    char dir_template[] = "/tmp/cpio_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    std::string dir = dir_template;
    ASSERT_EQ(mkdir((dir + "/bin").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((dir + "/a").c_str(), 0700), 0);
    ASSERT_EQ(mkdir((dir + "/a/b").c_str(), 0755), 0);
    std::string big(70000, '\0');
    for (size_t i = 0; i < big.size(); i++) big[i] = char(i * 7 + i / 256);
    const std::vector<std::pair<std::string, std::string>> files = {
        {"bin/init", "\x7f" "ELF pretend"}, {"a/b/three", "abc"}, {"a/empty", ""}, {"big", big},
        {std::string(200, 'n'), "long name"}};
    for (auto& [name, data] : files) {
        std::ofstream(dir + "/" + name, std::ios::binary) << data;
    }
    ASSERT_EQ(chmod((dir + "/bin/init").c_str(), 0755), 0);

    std::string archive =
        run("cd " + dir + " && find . | LC_ALL=C sort | cpio -o -H newc --quiet");
    run("rm -rf " + dir);
    Parsed p = parse(Bytes(archive.begin(), archive.end()));
    EXPECT_EQ(p.status, 0);

    // GNU cpio stores "./bin/init" as "bin/init" (and "." as itself).
    auto is = [](const Entry& e, const std::string& name) {
        return e.name == name || e.name == "./" + name;
    };
    // Every file is there with its contents; directories have S_IFDIR.
    for (auto& [name, data] : files) {
        bool found = false;
        for (const Entry& e : p.entries) {
            if (!is(e, name)) continue;
            found = true;
            EXPECT_EQ(e.mode & S_IFMT, uint32_t(S_IFREG)) << name;
            EXPECT_EQ(e.data, data) << name;
        }
        EXPECT_TRUE(found) << name;
    }
    int dirs = 0;
    for (const Entry& e : p.entries) dirs += (e.mode & S_IFMT) == S_IFDIR;
    EXPECT_EQ(dirs, 4);  // . bin a a/b
    for (const Entry& e : p.entries) {
        if (is(e, "bin/init")) {
            EXPECT_EQ(e.mode & 0777, 0755u);
        }
        if (is(e, "a")) {
            EXPECT_EQ(e.mode & 0777, 0700u);
        }
    }
}

}  // namespace
