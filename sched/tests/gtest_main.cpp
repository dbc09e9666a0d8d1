// sched/tests/gtest_main.cpp -- the runtime's test cases (rtest.h) as GoogleTest tests, for the
// Linux host under ThreadSanitizer and AddressSanitizer (sched/tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include "rtest.h"

namespace {

class CaseTest : public testing::Test {
 public:
  explicit CaseTest(const rtest::Case& c) : c_(c) {}
  void TestBody() override {
    rtest::Outcome o = rtest::runCase(c_);
    for (const std::string& f : o.failures) ADD_FAILURE() << f;
  }

 private:
  rtest::Case c_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--child") return rtest::runChildHere(argv[2]);
  rtest::setSelfPath(argv[0]);
  testing::InitGoogleTest(&argc, argv);
  for (const rtest::Case& c : rtest::registry()) {
    testing::RegisterTest(c.suite, c.name, nullptr, nullptr, __FILE__, __LINE__,
                          [c]() -> testing::Test* { return new CaseTest(c); });
  }
  return RUN_ALL_TESTS();
}
