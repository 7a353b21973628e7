// A randomized property never passes on rounds that tested nothing.
#include <string>

#include "conformance/properties.h"
#include "gtest/gtest.h"

namespace reap_conformance {
namespace {

std::string About() { return "(about)"; }

TEST(DrawRounds, PassesOnlyWhenEnoughRoundsWereExercised) {
  int drawn = 0;
  Outcome o = DrawRounds(
      3,
      [&] {
        ++drawn;
        return Round{drawn % 2 == 0, std::nullopt};  // every other round exercised
      },
      About);
  EXPECT_EQ(o.status, Status::kPass) << o.reason;
  EXPECT_EQ(drawn, 6);
  EXPECT_EQ(o.reason, "3 of 6 rounds exercised (about)");
}

TEST(DrawRounds, IsInconclusiveWhenNoRoundExercisedTheClaim) {
  int drawn = 0;
  Outcome o = DrawRounds(
      3,
      [&] {
        ++drawn;
        return Round{};
      },
      About);
  EXPECT_EQ(o.status, Status::kInconclusive) << o.reason;
  EXPECT_EQ(drawn, 3 * kAttemptsPerRound);
  EXPECT_EQ(o.reason.rfind("0 of 15 rounds exercised (3 needed) (about)", 0), 0u) << o.reason;
}

TEST(DrawRounds, StopsAtTheFirstViolation) {
  int drawn = 0;
  Outcome o = DrawRounds(
      20,
      [&] {
        ++drawn;
        if (drawn == 4) return Round{true, std::string("the command died")};
        return Round{true, std::nullopt};
      },
      About);
  EXPECT_EQ(o.status, Status::kFail);
  EXPECT_EQ(o.reason, "the command died");
  EXPECT_EQ(drawn, 4);
}

}  // namespace
}  // namespace reap_conformance
