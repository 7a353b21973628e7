// reaper/failures.h is the one list of exit statuses and STAGE words:
// reaper.1, the README and --help must give exactly it, every detach stage
// of the library must be in it, and each failure reaper is made to print
// here must use a word and a status of it.
#include "reaper/failures.h"

#include <fcntl.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <sstream>

#include "gtest/gtest.h"
#include "reap/error.h"
#include "reaper/args.h"
#include "testing/world.h"

namespace {

using reap_testing::RunResult;

std::vector<std::string> ListedWords() {
  std::vector<std::string> out;
  for (const auto& w : reaper::kFailureWords) out.push_back(w.word);
  return out;
}
std::vector<std::string> ListedCodes() {
  std::vector<std::string> out;
  for (const auto& e : reaper::kExitStatuses) out.push_back(std::to_string(e.code));
  return out;
}

// The text of roff between two section headings, dashes unescaped.
std::string ManSection(const std::string& page, const std::string& from, const std::string& to) {
  std::size_t a = page.find(from), b = page.find(to, a);
  EXPECT_NE(a, std::string::npos) << from;
  std::string s = page.substr(a, b == std::string::npos ? std::string::npos : b - a);
  return std::regex_replace(s, std::regex(R"(\\-)"), "-");
}
// The words of ".TP\n.B WORD" tags in TEXT, in order.
std::vector<std::string> Tags(const std::string& text) {
  std::vector<std::string> out;
  std::regex tag(R"(\.TP\n\.B ([a-z0-9-]+)\n)");
  for (std::sregex_iterator i(text.begin(), text.end(), tag), end; i != end; ++i) out.push_back((*i)[1]);
  return out;
}

TEST(FailuresTest, ManPageListsExactlyTheStatusesAndWords) {
  std::string page = reap_testing::ReadAll(reap_testing::Runfile("docs/reaper.1"));
  std::string section = ManSection(page, ".SH EXIT STATUS", ".SH EXAMPLES");
  std::size_t words_at = section.find("is one of these words");
  ASSERT_NE(words_at, std::string::npos);
  EXPECT_EQ(Tags(section.substr(0, words_at)), ListedCodes());
  EXPECT_EQ(Tags(section.substr(words_at)), ListedWords());
}

TEST(FailuresTest, ReadmeListsExactlyTheStatusesAndWords) {
  std::string readme = reap_testing::ReadAll(reap_testing::Runfile("README.md"));
  std::vector<std::string> codes;
  std::regex row(R"(\n\| (\d+) \| [^|]+ \|)");
  std::size_t table = readme.find("| Exit status | Meaning |");
  ASSERT_NE(table, std::string::npos);
  std::string rest = readme.substr(table, readme.find("\n\n", table) - table);
  for (std::sregex_iterator i(rest.begin(), rest.end(), row), end; i != end; ++i) codes.push_back((*i)[1]);
  EXPECT_EQ(codes, ListedCodes());
  std::size_t at = readme.find("where STAGE is one of:");
  ASSERT_NE(at, std::string::npos);
  std::string line = readme.substr(at, readme.find('\n', at) - at);
  std::vector<std::string> words;
  std::regex word(R"(`([a-z-]+)`)");
  for (std::sregex_iterator i(line.begin(), line.end(), word), end; i != end; ++i) words.push_back((*i)[1]);
  EXPECT_EQ(words, ListedWords());
}

TEST(FailuresTest, HelpListsExactlyTheStatusesAndWords) {
  std::string help = reaper::HelpText();
  for (const auto& e : reaper::kExitStatuses) {
    EXPECT_NE(help.find("\n  " + std::to_string(e.code) + " "), std::string::npos) << e.code;
  }
  std::string words = help.substr(help.find("STAGE being one of:"));
  for (const auto& w : reaper::kFailureWords) {
    EXPECT_TRUE(std::regex_search(words, std::regex(std::string("[ \n]") + w.word + "[ \n]"))) << w.word;
  }
}

// The parser's table and --help's option list are the same set: with
// man_test (--help against reaper.1) and completion_test (the completion
// against --help), all four agree.
TEST(OptionsTest, HelpListsExactlyTheParsersOptions) {
  std::set<std::string> parser, help;
  for (const std::string& name : reaper::OptionNames()) parser.insert(name);
  std::istringstream text(reaper::HelpText());
  std::regex entry(R"(^  (--[a-z-]+))");
  for (std::string line; std::getline(text, line);) {
    std::smatch m;
    if (std::regex_search(line, m, entry)) help.insert(m[1]);
  }
  EXPECT_EQ(parser, help);
  EXPECT_GE(parser.size(), 20u);
}

TEST(FailuresTest, EveryDetachStageIsListed) {
  std::set<std::string> listed;
  for (const auto& w : reaper::kFailureWords) listed.insert(w.word);
  int stages = 0;
  for (int s = static_cast<int>(reap::Stage::kValidate); s <= static_cast<int>(reap::Stage::kLost); ++s) {
    const char* name = reap::StageName(static_cast<reap::Stage>(s));
    EXPECT_EQ(listed.count(name), 1u) << name;
    ++stages;
  }
  EXPECT_EQ(stages, 17);
}

// Each failure reaper prints: one line on stderr, "reaper: WORD: ...", a
// listed word, and a listed exit status.
TEST(FailuresTest, WhatReaperPrintsIsListed) {
  std::string reaper = reap_testing::Runfile("reaper/reaper");
  std::string dir = reap_testing::TempDir();
  struct Case {
    std::vector<std::string> args;
    std::string word;
    int code;
  };
  std::vector<Case> cases = {
      {{"--bogus", "true"}, "usage", 2},
      {{"--user", "reap-no-such-user", "--", "true"}, "user", 2},
      {{"--pidfile", dir + "/missing/x.pid", "--", "true"}, "pidfile", 1},
      {{"--", "reap-no-such-program"}, "resolve", 127},
      {{"--cgroup", dir + "/missing", "--", "true"}, "cgroup", 4},
      {{"--stdin", dir + "/missing", "--", "true"}, "stdin", 1},
      {{"--stdout", dir + "/missing/out", "--", "true"}, "stdout", 1},
      {{"--stderr", dir + "/missing/err", "--", "true"}, "stderr", 1},
      {{"--cwd", dir + "/missing", "--", "true"}, "chdir", 1},
      {{"--keep-fd", "99", "--", "true"}, "keep-fd", 1},
      {{"--", dir + "/missing"}, "exec", 127},
      {{"--wait-alive=5", "--", "/bin/sh", "-c", "exit 3"}, "start", 1},
      {{"--wait-ready=0.3", "--", "/bin/sleep", "5"}, "ready", 1},
  };
  std::set<std::string> listed;
  for (const auto& w : reaper::kFailureWords) listed.insert(w.word);
  std::set<int> codes;
  for (const auto& e : reaper::kExitStatuses) codes.insert(e.code);
  reap_testing::World world;  // adopts and reaps what is started
  std::set<std::string> seen;
  for (const Case& c : cases) {
    std::vector<std::string> argv = {reaper};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    RunResult r = reap_testing::Run(argv);
    std::string prefix = "reaper: " + c.word + ": ";
    EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << c.word << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.exit_code, c.code) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(listed.count(c.word), 1u) << c.word;
    EXPECT_EQ(codes.count(r.exit_code), 1u) << r.exit_code;
    seen.insert(c.word);
  }
  // output: the PID cannot be written (stdout closed); the command lives on.
  RunResult closed = reap_testing::Run({"/bin/sh", "-c", "exec \"$0\" -- /bin/true >&-", reaper});
  EXPECT_EQ(closed.err.rfind("reaper: output: ", 0), 0u) << closed.err;
  EXPECT_EQ(closed.exit_code, 3) << closed.err;
  seen.insert("output");
  world.KillAll();
  std::printf("failures exercised: %zu of %zu words\n", seen.size(), listed.size());
  EXPECT_GE(seen.size(), 14u);
}

}  // namespace
