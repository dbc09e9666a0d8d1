// tests/host/format_test.cpp - kernel/lib/format.cpp.
//
// Most cases are differential: for every integer and string conversion,
// flag combination, width and precision C defines, ksnprintf must produce
// exactly what the host's snprintf produces. Handoff's own choices (%p,
// unknown conversions, "(null)") are checked against fixed strings.
#include <gtest/gtest.h>

#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernel/lib/format.h"

namespace {

// Formats with the kernel's formatter. The format is a runtime string, so
// the compiler's printf checks leave deliberately odd formats alone.
std::string kfmt(const char* fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    EXPECT_GE(n, 0);
    EXPECT_EQ(size_t(n), strlen(buf)) << "return value != length for \"" << fmt << '"';
    return buf;
}

std::string cfmt(const char* fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

// Every flag set of - 0 + ' ' #, as strings.
std::vector<std::string> flag_sets(bool with_hash) {
    const char flags[] = {'-', '0', '+', ' ', '#'};
    std::vector<std::string> out;
    for (int mask = 0; mask < 32; mask++) {
        if (!with_hash && (mask & 16)) continue;
        std::string s;
        for (int i = 0; i < 5; i++)
            if (mask & (1 << i)) s += flags[i];
        out.push_back(s);
    }
    return out;
}

const char* const kWidths[] = {"", "1", "5", "12", "25"};
const char* const kPrecisions[] = {"", ".", ".0", ".1", ".3", ".10", ".22"};

TEST(Format, SignedConversionsMatchLibc) {
    const long long values[] = {0, 1, -1, 7, -42, 255, -128, 99999, INT_MAX, INT_MIN};
    for (const std::string& flags : flag_sets(false)) {  // '#' is undefined for %d
        for (const char* width : kWidths) {
            for (const char* precision : kPrecisions) {
                for (const char* conv : {"d", "i"}) {
                    std::string f = "[%" + flags + width + precision + conv + "]";
                    for (long long v : values) {
                        int x = int(v);
                        ASSERT_EQ(kfmt(f.c_str(), x), cfmt(f.c_str(), x)) << f << " with " << x;
                    }
                }
            }
        }
    }
}

TEST(Format, UnsignedConversionsMatchLibc) {
    const unsigned values[] = {0, 1, 7, 8, 15, 16, 255, 0xdeadbeef, UINT_MAX};
    for (const std::string& flags : flag_sets(true)) {
        for (const char* width : kWidths) {
            for (const char* precision : kPrecisions) {
                for (const char* conv : {"u", "o", "x", "X"}) {
                    // '#' is only defined for o, x, X.
                    if (flags.find('#') != std::string::npos && conv[0] == 'u') continue;
                    std::string f = "[%" + flags + width + precision + conv + "]";
                    for (unsigned v : values) ASSERT_EQ(kfmt(f.c_str(), v), cfmt(f.c_str(), v)) << f << " with " << v;
                }
            }
        }
    }
}

TEST(Format, LengthModifiersMatchLibc) {
    EXPECT_EQ(kfmt("%hhd %hhu %hhx", 300, 300, -1), cfmt("%hhd %hhu %hhx", 300, 300, -1));
    EXPECT_EQ(kfmt("%hd %hu %hx", 70000, 70000, -1), cfmt("%hd %hu %hx", 70000, 70000, -1));
    EXPECT_EQ(kfmt("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL),
              cfmt("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL));
    EXPECT_EQ(kfmt("%lld %llu %llo", LLONG_MIN, ULLONG_MAX, ULLONG_MAX),
              cfmt("%lld %llu %llo", LLONG_MIN, ULLONG_MAX, ULLONG_MAX));
    EXPECT_EQ(kfmt("%zu %zx %zd", SIZE_MAX, size_t(4096), ptrdiff_t(-5)),
              cfmt("%zu %zx %zd", SIZE_MAX, size_t(4096), ptrdiff_t(-5)));
    EXPECT_EQ(kfmt("%td %tx", ptrdiff_t(-12345), ptrdiff_t(255)), cfmt("%td %tx", ptrdiff_t(-12345), ptrdiff_t(255)));
    EXPECT_EQ(kfmt("%jd %ju", INTMAX_MIN, UINTMAX_MAX), cfmt("%jd %ju", INTMAX_MIN, UINTMAX_MAX));
    // The most negative 64-bit number has no positive counterpart: the classic
    // overflow when negating.
    EXPECT_EQ(kfmt("%lld", LLONG_MIN), "-9223372036854775808");
    EXPECT_EQ(kfmt("%#llo", ULLONG_MAX), "01777777777777777777777");
}

TEST(Format, StringsAndCharsMatchLibc) {
    const char* strings[] = {"", "a", "handoff", "a much longer string than any width"};
    for (const char* flags : {"", "-"}) {
        for (const char* width : kWidths) {
            for (const char* precision : kPrecisions) {
                std::string f = std::string("[%") + flags + width + precision + "s]";
                for (const char* s : strings) ASSERT_EQ(kfmt(f.c_str(), s), cfmt(f.c_str(), s)) << f;
            }
            std::string fc = std::string("[%") + flags + width + "c]";
            ASSERT_EQ(kfmt(fc.c_str(), 'z'), cfmt(fc.c_str(), 'z')) << fc;
        }
    }
}

TEST(Format, StarWidthAndPrecision) {
    EXPECT_EQ(kfmt("[%*d]", 6, 42), "[    42]");
    EXPECT_EQ(kfmt("[%*d]", -6, 42), "[42    ]");  // negative width: left-justify
    EXPECT_EQ(kfmt("[%.*d]", 5, 42), "[00042]");
    EXPECT_EQ(kfmt("[%.*d]", -1, 42), "[42]");  // negative precision: as if none
    EXPECT_EQ(kfmt("[%*.*s]", 8, 3, "abcdef"), "[     abc]");
    EXPECT_EQ(kfmt("[%-*.*x|%d]", 6, 4, 0xab, 9), cfmt("[%-*.*x|%d]", 6, 4, 0xab, 9));
    // %s with a precision may point at an unterminated array.
    const char unterminated[3] = {'x', 'y', 'z'};
    EXPECT_EQ(kfmt("%.3s", unterminated), "xyz");
}

TEST(Format, PointersAreHexWithPrefix) {
    EXPECT_EQ(kfmt("%p", reinterpret_cast<void*>(0x1234)), "0x1234");
    EXPECT_EQ(kfmt("%p", reinterpret_cast<void*>(0xffff800000000000UL)), "0xffff800000000000");
    EXPECT_EQ(kfmt("%p", nullptr), "0x0");
    EXPECT_EQ(kfmt("[%10p]", reinterpret_cast<void*>(0xabc)), "[     0xabc]");
    EXPECT_EQ(kfmt("[%-10p]", reinterpret_cast<void*>(0xabc)), "[0xabc     ]");
}

TEST(Format, NullStringAndPercent) {
    EXPECT_EQ(kfmt("%s", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(kfmt("[%8s]", static_cast<const char*>(nullptr)), "[  (null)]");
    EXPECT_EQ(kfmt("100%%"), "100%");
    EXPECT_EQ(kfmt("%d%%%d", 1, 2), "1%2");
}

TEST(Format, UnknownConversionsPrintVerbatim) {
    EXPECT_EQ(kfmt("%q"), "%q");
    EXPECT_EQ(kfmt("a%5kb"), "a%5kb");
    EXPECT_EQ(kfmt("%lq %d", 7), "%lq 7");  // consumes no argument
    EXPECT_EQ(kfmt("%f", 1.5), "%f");       // no floating point in the kernel
    EXPECT_EQ(kfmt("%n"), "%n");            // never writes through a pointer
    EXPECT_EQ(kfmt("100%"), "100%");        // '%' at the very end
    EXPECT_EQ(kfmt("x%-08"), "x%-08");      // format ends inside a spec
}

TEST(Format, SnprintfTruncationSemantics) {
    char buf[8];
    std::memset(buf, 'x', sizeof buf);
    // Returns the full length; stores size-1 characters and a NUL.
    EXPECT_EQ(ksnprintf(buf, 5, "hello %s", "world"), 11);
    EXPECT_STREQ(buf, "hell");
    EXPECT_EQ(buf[5], 'x');  // nothing written past size

    EXPECT_EQ(ksnprintf(buf, 1, "abc"), 3);
    EXPECT_STREQ(buf, "");

    // size 0: nothing written, buf may be null, length still reported.
    EXPECT_EQ(ksnprintf(nullptr, 0, "%d-%d", 12, 345), 6);

    EXPECT_EQ(ksnprintf(buf, sizeof buf, "%s", "1234567"), 7);  // exactly fits
    EXPECT_STREQ(buf, "1234567");
    EXPECT_EQ(ksnprintf(buf, sizeof buf, "%08d", 123456789), 9);
    EXPECT_STREQ(buf, "1234567");
}

TEST(Format, WideFieldsAreCountedEvenWhenCut) {
    char buf[16];
    EXPECT_EQ(ksnprintf(buf, sizeof buf, "%1000d|", 5), 1001);
    EXPECT_STREQ(buf, "               ");  // 15 spaces
    std::string wide = kfmt("%-300s|", "x");
    EXPECT_EQ(wide.size(), 301u);
    EXPECT_EQ(wide.front(), 'x');
    EXPECT_EQ(wide.back(), '|');
}

// vformat hands literal text over in whole runs, and conversions in pieces.
struct Recorder {
    std::vector<std::string> pieces;
    static void sink(void* ctx, const char* s, size_t n) {
        static_cast<Recorder*>(ctx)->pieces.emplace_back(s, n);
    }
};

int record(Recorder* r, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(Recorder::sink, r, fmt, ap);
    va_end(ap);
    return n;
}

TEST(Format, VformatPassesLiteralRunsWhole) {
    Recorder r;
    EXPECT_EQ(record(&r, "cpu %u: %s\n", 3u, "up"), 10);
    std::vector<std::string> want = {"cpu ", "3", ": ", "up", "\n"};
    EXPECT_EQ(r.pieces, want);
}

TEST(Format, VformatPadsInChunks) {
    Recorder r;
    EXPECT_EQ(record(&r, "%100d", 1), 100);
    std::string joined;
    for (const auto& p : r.pieces) joined += p;
    EXPECT_EQ(joined, std::string(99, ' ') + "1");
    EXPECT_LT(r.pieces.size(), 10u);  // not one call per space
}

}  // namespace
