// tests/host/cmdline_test.cpp - kernel/lib/cmdline.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "kernel/lib/cmdline.h"

namespace {

// The whole argv as one string, "a|b|c", for compact comparisons; also
// checks that argv[argc] is the terminating NULL.
std::string argv_of(const Cmdline& c) {
    std::string out;
    const char* const* argv = c.init_argv();
    for (int i = 0; i < c.init_argc(); i++) {
        if (i) out += '|';
        EXPECT_NE(argv[i], nullptr);
        out += argv[i];
    }
    EXPECT_EQ(argv[c.init_argc()], nullptr);
    return out;
}

TEST(Cmdline, TheDesignExample) {
    Cmdline c;
    ASSERT_TRUE(c.parse("test=all smp=4 disk_latency_us=2000 vdso=off quiet init=/bin/sh -c \"echo hi\""));
    EXPECT_STREQ(c.get("test"), "all");
    EXPECT_EQ(c.get_u64("smp", 1), 4u);
    EXPECT_EQ(c.get_u64("disk_latency_us", 0), 2000u);
    EXPECT_FALSE(c.get_bool("vdso", true));
    EXPECT_TRUE(c.has("quiet"));
    EXPECT_STREQ(c.get("quiet"), "");  // a bare flag: present, empty value
    EXPECT_TRUE(c.get_bool("quiet", false));
    EXPECT_STREQ(c.get("init"), "/bin/sh");
    EXPECT_EQ(c.init_argc(), 3);
    EXPECT_EQ(argv_of(c), "/bin/sh|-c|echo hi");
    EXPECT_EQ(c.count(), 6);  // test smp disk_latency_us vdso quiet init
    EXPECT_FALSE(c.truncated());
}

TEST(Cmdline, AbsentKeys) {
    Cmdline c;
    ASSERT_TRUE(c.parse("a=1"));
    EXPECT_EQ(c.get("b"), nullptr);
    EXPECT_FALSE(c.has("b"));
    EXPECT_FALSE(c.has("a="));
    EXPECT_FALSE(c.has(""));
    EXPECT_EQ(c.get_u64("b", 77), 77u);
    EXPECT_TRUE(c.get_bool("b", true));
    EXPECT_FALSE(c.get_bool("b", false));
}

TEST(Cmdline, DefaultInitBeforeAndWithoutInitOption) {
    Cmdline fresh;  // never parsed
    EXPECT_EQ(argv_of(fresh), "/bin/init");
    EXPECT_EQ(fresh.get("anything"), nullptr);

    Cmdline c;
    ASSERT_TRUE(c.parse("quiet smp=2"));
    EXPECT_EQ(c.init_argc(), 1);
    EXPECT_EQ(argv_of(c), "/bin/init");
    EXPECT_EQ(c.get("init"), nullptr);
}

TEST(Cmdline, EmptyAndNullLines) {
    Cmdline c;
    EXPECT_TRUE(c.parse(nullptr));
    EXPECT_EQ(c.count(), 0);
    EXPECT_TRUE(c.parse(""));
    EXPECT_EQ(c.count(), 0);
    EXPECT_TRUE(c.parse(" \t\n  "));
    EXPECT_EQ(c.count(), 0);
    EXPECT_EQ(argv_of(c), "/bin/init");
}

TEST(Cmdline, BlanksAndQuotes) {
    Cmdline c;
    ASSERT_TRUE(c.parse("  a=1\tb=\"two words\"\n\"c=quoted key\"   d=x\"y z\"w  e=\"\" "));
    EXPECT_STREQ(c.get("a"), "1");
    EXPECT_STREQ(c.get("b"), "two words");
    EXPECT_STREQ(c.get("c"), "quoted key");
    EXPECT_STREQ(c.get("d"), "xy zw");  // quotes may sit inside a word
    EXPECT_STREQ(c.get("e"), "");       // a quoted empty value
    EXPECT_EQ(c.count(), 5);
}

TEST(Cmdline, UnclosedQuoteRunsToTheEnd) {
    Cmdline c;
    ASSERT_TRUE(c.parse("a=\"b c d"));
    EXPECT_STREQ(c.get("a"), "b c d");
    EXPECT_EQ(c.count(), 1);
}

TEST(Cmdline, ValueMayContainEquals) {
    Cmdline c;
    ASSERT_TRUE(c.parse("console=ttyS0,115200 opt=a=b"));
    EXPECT_STREQ(c.get("console"), "ttyS0,115200");
    EXPECT_STREQ(c.get("opt"), "a=b");
}

TEST(Cmdline, LastOccurrenceWins) {
    Cmdline c;
    ASSERT_TRUE(c.parse("smp=2 quiet smp=8"));
    EXPECT_EQ(c.get_u64("smp", 0), 8u);
    EXPECT_EQ(c.count(), 3);
    EXPECT_STREQ(c.key_at(0), "smp");
    EXPECT_STREQ(c.value_at(0), "2");
    EXPECT_STREQ(c.key_at(1), "quiet");
    EXPECT_STREQ(c.value_at(1), "");
}

TEST(Cmdline, Numbers) {
    Cmdline c;
    ASSERT_TRUE(c.parse("dec=1234 hex=0x1F big=0XFFFFFFFFFFFFFFFF max=18446744073709551615 "
                        "over=18446744073709551616 hexover=0x10000000000000000 junk=12abc "
                        "neg=-1 empty= prefix=0x zero=0 flag spaced=\" 5\""));
    EXPECT_EQ(c.get_u64("dec", 9), 1234u);
    EXPECT_EQ(c.get_u64("hex", 9), 0x1fu);
    EXPECT_EQ(c.get_u64("big", 9), UINT64_MAX);
    EXPECT_EQ(c.get_u64("max", 9), UINT64_MAX);
    EXPECT_EQ(c.get_u64("zero", 9), 0u);
    // Malformed or out of range: the fallback.
    EXPECT_EQ(c.get_u64("over", 9), 9u);
    EXPECT_EQ(c.get_u64("hexover", 9), 9u);
    EXPECT_EQ(c.get_u64("junk", 9), 9u);
    EXPECT_EQ(c.get_u64("neg", 9), 9u);
    EXPECT_EQ(c.get_u64("empty", 9), 9u);
    EXPECT_EQ(c.get_u64("prefix", 9), 9u);
    EXPECT_EQ(c.get_u64("flag", 9), 9u);
    EXPECT_EQ(c.get_u64("spaced", 9), 9u);
}

TEST(Cmdline, Booleans) {
    Cmdline c;
    ASSERT_TRUE(c.parse("a=on b=yes c=true d=1 e=off f=no g=false h=0 i=maybe j=ON flag"));
    for (const char* key : {"a", "b", "c", "d", "flag"}) {
        EXPECT_TRUE(c.get_bool(key, false)) << key;
    }
    for (const char* key : {"e", "f", "g", "h"}) {
        EXPECT_FALSE(c.get_bool(key, true)) << key;
    }
    // Unrecognised values (case matters) give the fallback either way.
    EXPECT_TRUE(c.get_bool("i", true));
    EXPECT_FALSE(c.get_bool("i", false));
    EXPECT_TRUE(c.get_bool("j", true));
    EXPECT_FALSE(c.get_bool("j", false));
}

TEST(Cmdline, InitTakesTheRestOfTheLine) {
    Cmdline c;
    ASSERT_TRUE(c.parse("init=/bin/echo smp=4 \"a b\" quiet"));
    EXPECT_EQ(argv_of(c), "/bin/echo|smp=4|a b|quiet");
    EXPECT_FALSE(c.has("smp"));    // after init=, words belong to the program
    EXPECT_FALSE(c.has("quiet"));
    EXPECT_EQ(c.count(), 1);
}

TEST(Cmdline, InitVariants) {
    Cmdline c;
    ASSERT_TRUE(c.parse("init=/bin/sh"));
    EXPECT_EQ(argv_of(c), "/bin/sh");

    ASSERT_TRUE(c.parse("quiet init="));  // empty path keeps the default
    EXPECT_EQ(argv_of(c), "/bin/init");
    EXPECT_TRUE(c.has("init"));

    ASSERT_TRUE(c.parse("init=\"/bin/my prog\" \"\" x"));  // quoted path, an empty argument
    EXPECT_EQ(c.init_argc(), 3);
    EXPECT_EQ(argv_of(c), "/bin/my prog||x");

    ASSERT_TRUE(c.parse("initrd=foo"));  // only "init=" exactly is special
    EXPECT_STREQ(c.get("initrd"), "foo");
    EXPECT_EQ(argv_of(c), "/bin/init");
}

TEST(Cmdline, ReparseForgetsThePreviousLine) {
    Cmdline c;
    ASSERT_TRUE(c.parse("a=1 init=/x y"));
    ASSERT_TRUE(c.parse("b=2"));
    EXPECT_FALSE(c.has("a"));
    EXPECT_STREQ(c.get("b"), "2");
    EXPECT_EQ(argv_of(c), "/bin/init");
}

TEST(Cmdline, DoesNotKeepPointersIntoTheCallersString) {
    Cmdline c;
    std::string line = "key=value init=/bin/sh -c ls";
    ASSERT_TRUE(c.parse(line.c_str()));
    line.assign(line.size(), 'X');  // the boot loader's memory gets reused
    EXPECT_STREQ(c.get("key"), "value");
    EXPECT_EQ(argv_of(c), "/bin/sh|-c|ls");
}

TEST(Cmdline, TooLongLineIsCutAndReported) {
    std::string line = "first=1 ";
    while (line.size() < 3000) line += "filler ";
    line += "last=1";
    Cmdline c;
    EXPECT_FALSE(c.parse(line.c_str()));
    EXPECT_TRUE(c.truncated());
    EXPECT_STREQ(c.get("first"), "1");
    EXPECT_FALSE(c.has("last"));

    // Exactly kMaxLength - 1 bytes still fits.
    std::string exact(Cmdline::kMaxLength - 1, 'a');
    exact[0] = 'k';
    exact[1] = '=';
    EXPECT_TRUE(c.parse(exact.c_str()));
    EXPECT_EQ(strlen(c.get("k")), Cmdline::kMaxLength - 3);
    std::string over = exact + "b";
    EXPECT_FALSE(c.parse(over.c_str()));
    EXPECT_EQ(strlen(c.get("k")), Cmdline::kMaxLength - 3);
}

TEST(Cmdline, TooManyTokensAreReported) {
    std::string line;
    for (int i = 0; i < Cmdline::kMaxTokens + 5; i++) line += "k" + std::to_string(i) + "=" + std::to_string(i) + " ";
    Cmdline c;
    EXPECT_FALSE(c.parse(line.c_str()));
    EXPECT_EQ(c.count(), Cmdline::kMaxTokens);
    EXPECT_EQ(c.get_u64("k63", 0), 63u);
    EXPECT_FALSE(c.has("k64"));
}

TEST(Cmdline, TooManyInitArgumentsAreReported) {
    std::string line = "init=/bin/prog";
    for (int i = 0; i < Cmdline::kMaxInitArgs + 3; i++) line += " a" + std::to_string(i);
    Cmdline c;
    EXPECT_FALSE(c.parse(line.c_str()));
    EXPECT_EQ(c.init_argc(), Cmdline::kMaxInitArgs);
    EXPECT_EQ(c.init_argv()[Cmdline::kMaxInitArgs], nullptr);
    EXPECT_STREQ(c.init_argv()[Cmdline::kMaxInitArgs - 1], "a30");
}

}  // namespace
