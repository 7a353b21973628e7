#include "conformance/description.h"

#include "conformance/json_argv.h"
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

// A file's errors name the line and the key; SetField's (for options) neither.
TEST(DescriptionTest, ErrorsSayWhere) {
  auto d = ParseDescription("name = x\ntemplate = 'open\n");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().reason, "line 2: template: unterminated single quote");
  EXPECT_EQ(ParseDescription("name = x\nbogus = 1\n").error().reason, "line 2: unknown key 'bogus'");
  Description e;
  EXPECT_EQ(SetField(&e, "pid", "x").error().reason, "must be stdout, pidfile or adopted, not 'x'");
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

// '#' inside quotes is part of the template; a '#' word outside is a comment.
TEST(DescriptionTest, HashInsideQuotesIsNoComment) {
  auto d = ParseDescription("name = t\ntemplate = sh -c 'echo #x' \"a #b\" {cmd} # trailing comment\n");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->template_words, (std::vector<std::string>{"sh", "-c", "echo #x", "a #b", "{cmd}"}));
}

TEST(DescriptionTest, ServerMode) {
  auto d =
      ParseDescription("name = s\nmode = server\npid = adopted\ntemplate = {shim}\nunclaimed = no-zombies\n");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->mode, Mode::kServer);
  EXPECT_EQ(d->unclaimed.count("no-zombies"), 1u);
  EXPECT_EQ(ParseDescription("name = c\ntemplate = x {cmd}\n")->mode, Mode::kCli);
  EXPECT_FALSE(ParseDescription("name = s\nmode = daemon\ntemplate = x\n").ok());
}

// What the servers parse is what the suite writes, for any bytes.
TEST(JsonArgvTest, RoundTrip) {
  std::vector<std::string> argv = {
      "/bin/x",   "two words",  "q\"uote", "back\\slash", "line1\nline2", "", std::string("nul\0in", 6),
      "\x01\x1f", "caf\xc3\xa9"};
  auto back = ParseJsonArgv(JsonArgv(argv));
  ASSERT_TRUE(back.has_value()) << JsonArgv(argv);
  EXPECT_EQ(*back, argv);
  EXPECT_EQ(ParseJsonArgv("[]")->size(), 0u);
  EXPECT_EQ(*ParseJsonArgv(" [ \"a\\u00e9\" , \"b\\/\" ] "), (std::vector<std::string>{"a\xc3\xa9", "b/"}));
  for (const char* bad : {"", "[", "[\"a\"", "[\"a\",]", "[1]", "[\"a\"] x", "[\"\\q\"]", "{\"a\":1}"}) {
    EXPECT_FALSE(ParseJsonArgv(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace reap_conformance
