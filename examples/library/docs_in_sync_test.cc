// docs/library.md shows the examples verbatim: if an example changes, the doc
// must change with it (and the examples are compiled, so the doc compiles).
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(DocsInSyncTest, LibraryDocQuotesEveryExample) {
  std::string doc = Slurp("docs/library.md");
  ASSERT_FALSE(doc.empty());
  for (const char* example : {"examples/library/detach_example.cc",
                              "examples/library/reap_adopted_example.cc", "examples/library/stop_example.cc",
                              "examples/library/ready_example.cc", "examples/library/scope_example.cc"}) {
    std::string code = Slurp(example);
    ASSERT_FALSE(code.empty()) << example;
    EXPECT_NE(doc.find("```cpp\n" + code + "```"), std::string::npos)
        << example << " is not quoted verbatim in docs/library.md";
  }
}

}  // namespace
