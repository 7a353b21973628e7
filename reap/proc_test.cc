#include "reap/proc.h"

#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace reap {
namespace {

std::string StatLine(const std::string& comm) {
  return "4242 (" + comm +
         ") S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 "
         "987654321 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 "
         "1 0 0 0 0 0\n";
}

TEST(ProcStatTest, ParsesPlainName) {
  auto st = ParseProcStat(StatLine("sleep"));
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_EQ(st->pid, 4242);
  EXPECT_EQ(st->comm, "sleep");
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->ppid, 1);
  EXPECT_EQ(st->pgrp, 4242);
  EXPECT_EQ(st->session, 4242);
  EXPECT_EQ(st->tty_nr, 0);
  EXPECT_EQ(st->start_time, 987654321u);
}

TEST(ProcStatTest, NameWithSpacesParenthesesAndNewlines) {
  for (std::string comm : {"a b", ") S 9 9 9", "x)(y", "new\nline", "))", "(", ""}) {
    auto st = ParseProcStat(StatLine(comm));
    ASSERT_TRUE(st.ok()) << comm;
    EXPECT_EQ(st->comm, comm);
    EXPECT_EQ(st->ppid, 1) << comm;
    EXPECT_EQ(st->start_time, 987654321u) << comm;
  }
}

TEST(ProcStatTest, RejectsMalformed) {
  for (std::string bad : {"", "4242", "4242 (x", "4242 (x) S", "x (y) S 1",
                          "4242 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18",
                          "4242 (x) S 1 2 3 a 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19"}) {
    EXPECT_FALSE(ParseProcStat(bad).ok()) << bad;
  }
}

// Found by proc_stat_fuzzer: a PID beyond INT_MAX used to wrap to a
// negative pid_t.
TEST(ProcStatTest, RejectsFieldsOutOfRange) {
  auto line = [](const std::string& pid, const std::string& ppid) {
    return pid + " (a) S " + ppid + " 7 7 0 -1 0 0 0 0 0 0 0 0 20 0 1 0 5225 0 0\n";
  };
  EXPECT_TRUE(ParseProcStat(line("2147483647", "1")).ok());
  EXPECT_FALSE(ParseProcStat(line("4222522227", "1")).ok());
  EXPECT_FALSE(ParseProcStat(line("2147483648", "1")).ok());
  EXPECT_FALSE(ParseProcStat(line("12", "4294967297")).ok());
  EXPECT_FALSE(ParseProcStat(line("12", "-5")).ok());
}

TEST(ProcStatTest, ReadsOwnStat) {
  auto st = ReadProcStat(getpid());
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_EQ(st->pid, getpid());
  EXPECT_EQ(st->ppid, getppid());
  EXPECT_EQ(st->session, getsid(0));
  EXPECT_GT(st->start_time, 0u);
}

TEST(ProcStatTest, GoneProcessIsAnError) {
  auto st = ReadProcStat(0x7ffffff0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENOENT);
}

}  // namespace
}  // namespace reap
