#include "reap/decimal.h"

#include "gtest/gtest.h"

namespace reap {
namespace {

TEST(ParseDecimalTest, DigitsWithinTheBound) {
  unsigned long long v = 0;
  EXPECT_TRUE(ParseDecimal("0", 10, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseDecimal("4294967295", 4294967295ull, &v));
  EXPECT_EQ(v, 4294967295ull);
  EXPECT_TRUE(ParseDecimal("18446744073709551615", ~0ull, &v));
  EXPECT_EQ(v, ~0ull);
  for (const char* bad : {"", "-5", "+5", " 5", "5 ", "abc", "0x10", "4294967296", "18446744073709551616"}) {
    EXPECT_FALSE(ParseDecimal(bad, 4294967295ull, &v)) << bad;
  }
  EXPECT_FALSE(ParseDecimal("18446744073709551616", ~0ull, &v));
  EXPECT_FALSE(ParseDecimal("65", 64, &v));
}

}  // namespace
}  // namespace reap
