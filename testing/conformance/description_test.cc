#include "testing/conformance/description.h"

#include "gtest/gtest.h"

namespace reap_conformance {
namespace {

TEST(DescriptionTest, ParsesAllKeys) {
  auto d = ParseDescription(
      "# a comment\n"
      "name = sh nohup\n"
      "template = sh -c \"nohup {cmdline} & echo $!\"   # trailing comment\n"
      "pid = stdout\n"
      "unclaimed = new-session clean-signals\n");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->name, "sh nohup");
  EXPECT_EQ(d->template_words, (std::vector<std::string>{"sh", "-c", "nohup {cmdline} & echo $!"}));
  EXPECT_EQ(d->pid, PidSource::kStdout);
  EXPECT_EQ(d->unclaimed, (std::set<std::string>{"new-session", "clean-signals"}));
}

TEST(DescriptionTest, RejectsBadInput) {
  for (const char* bad : {"", "name = x\n", "template = a\n", "name = x\ntemplate = 'open\n",
                          "name = x\ntemplate = a\npid = somewhere\n", "name = x\ntemplate = a\nbogus = 1\n",
                          "name = x\ntemplate = a\nunclaimed = flying\n", "name x\n"}) {
    EXPECT_FALSE(ParseDescription(bad).ok()) << bad;
  }
}

TEST(DescriptionTest, ExpandsPlaceholders) {
  auto d = ParseDescription("name = t\ntemplate = {tool} -p {pidfile} {abs_cmd} x{program}y \"{cmdline}\"\n");
  ASSERT_TRUE(d.ok());
  CommandSpec c{"probe", "/abs/probe", {"a b", "it's"}, "/tmp/p.pid"};
  auto argv = Expand(d.value(), c, {{"tool", "/bin/tool"}});
  ASSERT_TRUE(argv.ok()) << argv.error().ToString();
  EXPECT_EQ(argv.value(), (std::vector<std::string>{"/bin/tool", "-p", "/tmp/p.pid", "/abs/probe", "a b",
                                                    "it's", "xprobey", "'probe' 'a b' 'it'\\''s'"}));
  auto unknown = ParseDescription("name = t\ntemplate = {nope} {cmd}\n");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(Expand(unknown.value(), c, {}).ok());
}

}  // namespace
}  // namespace reap_conformance
