// tests/host/string_test.cpp - kernel/lib/string.cpp against the host's libc.
//
// The host build compiles the kernel's functions as k_memcpy, k_strlen, ...
// (KSTRING_PREFIX=k_), so each can be compared with the C library's version
// on the same inputs: every alignment, length and overlap that matters for
// the word-at-a-time paths.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernel/lib/string.h"

namespace {

// A buffer whose bytes differ from each other, so a misplaced byte shows.
std::vector<unsigned char> pattern(size_t n, unsigned seed) {
    std::vector<unsigned char> v(n);
    for (size_t i = 0; i < n; i++) v[i] = static_cast<unsigned char>(i * 7 + seed * 13 + 1);
    return v;
}

int sign(int x) { return (x > 0) - (x < 0); }

TEST(String, MemcpyEveryAlignmentAndLength) {
    for (size_t dst_off = 0; dst_off < 9; dst_off++) {
        for (size_t src_off = 0; src_off < 9; src_off++) {
            for (size_t n = 0; n < 70; n++) {
                auto src = pattern(96, 1);
                std::vector<unsigned char> got(96, 0xee), want(96, 0xee);
                void* r = k_memcpy(got.data() + dst_off, src.data() + src_off, n);
                std::memcpy(want.data() + dst_off, src.data() + src_off, n);
                ASSERT_EQ(r, got.data() + dst_off);
                ASSERT_EQ(got, want) << "dst_off " << dst_off << " src_off " << src_off << " n " << n;
            }
        }
    }
}

TEST(String, MemmoveOverlappingBothWays) {
    for (size_t from = 0; from < 20; from++) {
        for (size_t to = 0; to < 20; to++) {
            for (size_t n = 0; n + (from > to ? from : to) <= 80; n += 3) {
                auto got = pattern(80, 2);
                auto want = got;
                void* r = k_memmove(got.data() + to, got.data() + from, n);
                std::memmove(want.data() + to, want.data() + from, n);
                ASSERT_EQ(r, got.data() + to);
                ASSERT_EQ(got, want) << "from " << from << " to " << to << " n " << n;
            }
        }
    }
}

TEST(String, MemsetEveryAlignmentAndLength) {
    for (size_t off = 0; off < 9; off++) {
        for (size_t n = 0; n < 70; n++) {
            auto got = pattern(96, 3);
            auto want = got;
            // Only the low byte of c counts: 0x1ab stores 0xab.
            void* r = k_memset(got.data() + off, 0x1ab, n);
            std::memset(want.data() + off, 0xab, n);
            ASSERT_EQ(r, got.data() + off);
            ASSERT_EQ(got, want) << "off " << off << " n " << n;
        }
    }
}

TEST(String, MemcmpComparesAsUnsignedBytes) {
    const unsigned char a[] = {1, 2, 3, 0x80};
    const unsigned char b[] = {1, 2, 3, 0x7f};
    EXPECT_GT(k_memcmp(a, b, 4), 0);  // 0x80 > 0x7f as unsigned char
    EXPECT_LT(k_memcmp(b, a, 4), 0);
    EXPECT_EQ(k_memcmp(a, b, 3), 0);
    EXPECT_EQ(k_memcmp(a, b, 0), 0);
    for (int i = 0; i < 256; i++) {
        unsigned char x = static_cast<unsigned char>(i), y = 100;
        EXPECT_EQ(sign(k_memcmp(&x, &y, 1)), sign(std::memcmp(&x, &y, 1))) << i;
    }
}

TEST(String, StrlenAndStrnlen) {
    EXPECT_EQ(k_strlen(""), 0u);
    EXPECT_EQ(k_strlen("handoff"), 7u);
    EXPECT_EQ(k_strnlen("handoff", 3), 3u);
    EXPECT_EQ(k_strnlen("handoff", 7), 7u);
    EXPECT_EQ(k_strnlen("handoff", 100), 7u);
    // strnlen must not read past max: an unterminated array is fine.
    const char unterminated[4] = {'a', 'b', 'c', 'd'};
    EXPECT_EQ(k_strnlen(unterminated, 4), 4u);
    EXPECT_EQ(k_strnlen(unterminated, 0), 0u);
}

TEST(String, StrcmpAndStrncmpMatchLibcSigns) {
    const char* words[] = {"", "a", "ab", "abc", "abd", "b", "\xff", "a\xff", "A"};
    for (const char* x : words) {
        for (const char* y : words) {
            EXPECT_EQ(sign(k_strcmp(x, y)), sign(std::strcmp(x, y))) << '"' << x << "\" vs \"" << y << '"';
            for (size_t n = 0; n < 5; n++)
                EXPECT_EQ(sign(k_strncmp(x, y, n)), sign(std::strncmp(x, y, n))) << x << " " << y << " " << n;
        }
    }
}

TEST(String, StrchrAndStrrchr) {
    const char* s = "key=value=more";
    EXPECT_EQ(k_strchr(s, '='), s + 3);
    EXPECT_EQ(k_strrchr(s, '='), s + 9);
    EXPECT_EQ(k_strchr(s, 'k'), s);
    EXPECT_EQ(k_strchr(s, 'x'), nullptr);
    EXPECT_EQ(k_strrchr(s, 'x'), nullptr);
    // Looking for '\0' finds the terminator.
    EXPECT_EQ(k_strchr(s, '\0'), s + 14);
    EXPECT_EQ(k_strrchr(s, '\0'), s + 14);
    EXPECT_EQ(k_strchr("", 'a'), nullptr);
}

TEST(String, StrlcpyTruncatesAndAlwaysTerminates) {
    char buf[8];
    std::memset(buf, 'x', sizeof buf);
    EXPECT_EQ(k_strlcpy(buf, "hi", sizeof buf), 2u);
    EXPECT_STREQ(buf, "hi");

    std::memset(buf, 'x', sizeof buf);
    EXPECT_EQ(k_strlcpy(buf, "handoff kernel", sizeof buf), 14u);  // >= size: truncated
    EXPECT_STREQ(buf, "handoff");

    EXPECT_EQ(k_strlcpy(buf, "exactly", sizeof buf), 7u);  // 7 chars + NUL fit exactly
    EXPECT_STREQ(buf, "exactly");

    std::memset(buf, 'x', sizeof buf);
    EXPECT_EQ(k_strlcpy(buf, "abc", 1), 3u);
    EXPECT_EQ(buf[0], '\0');
    EXPECT_EQ(buf[1], 'x');

    // size 0: writes nothing, still reports the source length.
    EXPECT_EQ(k_strlcpy(nullptr, "abc", 0), 3u);
}

}  // namespace
