// kernel/ktest.h - in-kernel self-tests, selected by the kernel command line.
//
//   KTEST(page_alloc_roundtrip) {
//       EXPECT(t, page_allocator().free_page_count() > 0);
//   }
//
// Each KTEST puts a descriptor in the `.ktests` linker section; `test=all`
// (or `test=name,name`) on the command line runs them after boot and the
// kernel leaves QEMU with status 0 only if every one passed. The output
// protocol, read by tests/run_qemu.py, is one line per event:
//
//   ktest: RUN <name>
//   ktest: FAIL <name>: <file>:<line>: <what>      (zero or more)
//   ktest: PASS <name>   or   ktest: FAILED <name>
//   ktest: done: N passed, M failed
//
// Like blog_os's custom test frameworks and xv6's usertests, but inside the
// kernel: these test the pieces that only exist on real (emulated) hardware.
#pragma once

#include <stdint.h>

class KTestContext {
public:
    explicit KTestContext(const char* name) : name_(name) {}
    // Records a failure (and keeps going, like gtest's EXPECT_*).
    void fail(const char* file, int line, const char* what);
    bool check(bool ok, const char* file, int line, const char* what) {
        if (!ok) fail(file, line, what);
        return ok;
    }
    bool check_eq(uint64_t actual, uint64_t expected, const char* file, int line, const char* what);
    int failures() const { return failures_; }
    const char* name() const { return name_; }

private:
    const char* name_;
    int failures_ = 0;
};

// alignas(16): the compiler may align these 16-byte objects to 16 anyway, and
// the linker-section array must have no gaps between entries.
struct alignas(16) KTest {
    const char* name;
    void (*run)(KTestContext& t);
};

#define KTEST(test_name)                                                               \
    static void ktest_fn_##test_name(KTestContext& t);                                 \
    [[gnu::used, gnu::section(".ktests")]] static const KTest ktest_desc_##test_name = { \
        #test_name, ktest_fn_##test_name};                                            \
    static void ktest_fn_##test_name([[maybe_unused]] KTestContext& t)

#define EXPECT(t, cond) (t).check(bool(cond), __FILE__, __LINE__, #cond)
#define EXPECT_EQ(t, actual, expected) \
    (t).check_eq(uint64_t(actual), uint64_t(expected), __FILE__, __LINE__, #actual " == " #expected)

// Runs the tests named by `selection` ("all", or a comma-separated list) and
// returns the number that failed. Unknown names count as failures.
int ktest_run(const char* selection);

// Is `name` one of the entries of the comma-separated `list`?
bool name_in_list(const char* list, const char* name);
