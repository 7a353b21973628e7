// Every report says INCONCLUSIVE where a property was not decided, and none
// counts it as a pass.
#include "conformance/report.h"

#include <string>

#include "gtest/gtest.h"

namespace reap_conformance {
namespace {

Results Undecided() {
  return {{"tool",
           {{"new-session", Status::kPass, "sid 5", 0.1},
            {"random-faults", Status::kInconclusive, "0 of 15 rounds exercised", 0.2}}}};
}

TEST(Report, TableSaysInconclusiveNotOk) {
  std::string t = Table("tool", Undecided()[0].second);
  EXPECT_NE(t.find("  random-faults  INCONCLUSIVE  0 of 15 rounds exercised\n"), std::string::npos) << t;
  EXPECT_NE(t.find("INCONCLUSIVE: 1 claimed property could not be decided\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("OK:"), std::string::npos) << t;
}

TEST(Report, JUnitCountsInconclusiveAsAnError) {
  std::string x = JUnitXml(Undecided());
  EXPECT_NE(x.find("failures=\"0\" errors=\"1\" skipped=\"0\""), std::string::npos) << x;
  EXPECT_NE(x.find("<error type=\"INCONCLUSIVE\" message=\"0 of 15 rounds exercised\"/>"), std::string::npos)
      << x;
}

TEST(Report, JsonNamesTheStatus) {
  std::string j = Json(Undecided());
  EXPECT_NE(j.find("{\"property\":\"random-faults\",\"status\":\"INCONCLUSIVE\""), std::string::npos) << j;
}

TEST(Report, FailureOutranksInconclusive) {
  Results r = Undecided();
  r[0].second[0].status = Status::kFail;
  EXPECT_NE(Table("tool", r[0].second).find("FAILED: 1 claimed property violated"), std::string::npos);
  EXPECT_TRUE(AnyFailure(r[0].second));
  EXPECT_TRUE(AnyInconclusive(r[0].second));
}

}  // namespace
}  // namespace reap_conformance
