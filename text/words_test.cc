#include "text/words.h"

#include "gtest/gtest.h"
// rapidcheck's gtest glue needs gtest first.
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace reap_text {
namespace {

std::vector<std::string> Split(const std::string& s) {
  auto r = SplitWords(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r.value_or(std::vector<std::string>{});
}

TEST(SplitWordsTest, ShellLikeQuoting) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Split(""), V{});
  EXPECT_EQ(Split("   \t\n "), V{});
  EXPECT_EQ(Split("'30'"), V{"30"});
  EXPECT_EQ(Split("\"30\""), V{"30"});
  EXPECT_EQ(Split("a  b\tc\nd"), (V{"a", "b", "c", "d"}));
  EXPECT_EQ(Split("'a b' \"c d\""), (V{"a b", "c d"}));
  EXPECT_EQ(Split("x'y'\"z\""), V{"xyz"});
  EXPECT_EQ(Split("'' \"\""), (V{"", ""}));
  EXPECT_EQ(Split("a\\ b"), V{"a b"});
  EXPECT_EQ(Split("\"a\\\"b\\\\c\\$d\\`e\\nf\""), V{"a\"b\\c$d`e\\nf"});
  EXPECT_EQ(Split("'it'\\''s'"), V{"it's"});
  EXPECT_EQ(Split("a\\\nb"), V{"ab"});
  // Nothing is expanded or interpreted.
  EXPECT_EQ(Split("$HOME ; $(rm -rf x) `id` *.txt | &&"),
            (V{"$HOME", ";", "$(rm", "-rf", "x)", "`id`", "*.txt", "|", "&&"}));
}

TEST(SplitWordsTest, Errors) {
  struct Bad {
    const char* text;
    const char* why;
  };
  for (const Bad& bad :
       {Bad{"'open", "unterminated single quote"}, Bad{"\"open", "unterminated double quote"},
        Bad{"a\\", "trailing backslash"}, Bad{"\"a\\\"", "unterminated double quote"}}) {
    std::string why;
    auto r = SplitWords(bad.text, &why);
    ASSERT_FALSE(r.has_value()) << bad.text;
    EXPECT_EQ(why, bad.why) << bad.text;
    EXPECT_FALSE(SplitWords(bad.text).has_value()) << "without WHY";
  }
}

// Splitting a quoted join gives the words back, whatever they contain.
RC_GTEST_PROP(SplitWordsProperty, JoinThenSplitRoundTrips, (const std::vector<std::string>& words)) {
  auto r = SplitWords(JoinWords(words));
  RC_ASSERT(r.has_value());
  RC_ASSERT(*r == words);
}

}  // namespace
}  // namespace reap_text
