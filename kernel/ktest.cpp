// kernel/ktest.cpp - see ktest.h.
#include "kernel/ktest.h"

#include "kernel/lib/string.h"
#include "kernel/printk.h"

extern "C" const KTest __ktests_start[], __ktests_end[];

void KTestContext::fail(const char* file, int line, const char* what) {
    failures_++;
    kprintf("ktest: FAIL %s: %s:%d: %s\n", name_, file, line, what);
}

bool KTestContext::check_eq(uint64_t actual, uint64_t expected, const char* file, int line,
                            const char* what) {
    if (actual == expected) return true;
    failures_++;
    kprintf("ktest: FAIL %s: %s:%d: %s (got %lu = 0x%lx, want %lu = 0x%lx)\n", name_, file, line,
            what, actual, actual, expected, expected);
    return false;
}

bool name_in_list(const char* list, const char* name) {
    size_t len = strlen(name);
    for (const char* p = list; *p;) {
        const char* end = strchr(p, ',');
        size_t n = end ? size_t(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

namespace {
// Tests named selfcheck_* fail on purpose (they check that the runner notices
// failures, panics and hangs); `all` leaves them out.
constexpr char kSelfCheckPrefix[] = "selfcheck_";

bool selected(const char* list, const char* name) {
    if (strcmp(list, "all") == 0)
        return strncmp(name, kSelfCheckPrefix, sizeof kSelfCheckPrefix - 1) != 0;
    return name_in_list(list, name);
}

bool exists(const char* name, size_t len) {
    for (const KTest* test = __ktests_start; test < __ktests_end; test++)
        if (strlen(test->name) == len && strncmp(test->name, name, len) == 0) return true;
    return false;
}
}  // namespace

int ktest_run(const char* selection) {
    int passed = 0, failed = 0;
    // Names that match no test are failures: a typo must not pass silently.
    if (strcmp(selection, "all") != 0) {
        for (const char* p = selection; *p;) {
            const char* end = strchr(p, ',');
            size_t n = end ? size_t(end - p) : strlen(p);
            if (!exists(p, n)) {
                kprintf("ktest: FAIL %.*s: no such test\n", int(n), p);
                failed++;
            }
            if (!end) break;
            p = end + 1;
        }
    }
    for (const KTest* test = __ktests_start; test < __ktests_end; test++) {
        if (!selected(selection, test->name)) continue;
        kprintf("ktest: RUN %s\n", test->name);
        KTestContext context(test->name);
        test->run(context);
        if (context.failures() == 0) {
            kprintf("ktest: PASS %s\n", test->name);
            passed++;
        } else {
            kprintf("ktest: FAILED %s\n", test->name);
            failed++;
        }
    }
    kprintf("ktest: done: %d passed, %d failed\n", passed, failed);
    return failed;
}
