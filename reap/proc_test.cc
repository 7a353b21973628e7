#include "reap/proc.h"

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "reap/observe.h"
// rapidcheck's gtest glue needs gtest first.
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

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
  EXPECT_EQ(st->flags, 4194560u);
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

// The one scan of /proc: every process, zombies included, in PID order;
// ListChildren filters it.
TEST(ProcScanTest, ListsEveryProcessInOrderZombiesIncluded) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  for (int i = 0; i < 500; ++i) {  // until it is a zombie (bounded: 5 s)
    auto st = ReadProcStat(child);
    if (st.ok() && HasExited(st->state)) break;
    usleep(10000);
  }
  std::vector<ProcStat> all = ListProcesses();
  bool self = false, zombie = false;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(all[i - 1].pid, all[i].pid);
    }
    self |= all[i].pid == getpid();
    zombie |= all[i].pid == child && HasExited(all[i].state);
  }
  EXPECT_TRUE(self);
  EXPECT_TRUE(zombie);
  EXPECT_EQ(ListChildren(getpid()), std::vector<pid_t>{child});
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  EXPECT_TRUE(ListChildren(getpid()).empty());
}

TEST(ProcStatTest, GoneProcessIsAnError) {
  auto st = ReadProcStat(0x7ffffff0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, ENOENT);
}

// Any name the kernel could show (up to 64 bytes of anything but NUL, so
// spaces, parentheses and newlines included) round-trips with every field.
RC_GTEST_PROP(ProcStatProperty, FormatThenParseGivesTheFieldsBack, ()) {
  const auto comm =
      *rc::gen::container<std::string>(*rc::gen::inRange<std::size_t>(0, 65), rc::gen::inRange<char>(1, 127));
  const auto pid = *rc::gen::inRange<int>(1, 0x7fffffff);
  const auto ppid = *rc::gen::inRange<int>(0, 0x7fffffff);
  const auto sid = *rc::gen::inRange<int>(0, 0x7fffffff);
  const auto tty = *rc::gen::arbitrary<int>();
  const auto start = *rc::gen::arbitrary<std::uint64_t>() >> 1;  // fits long long
  std::string text = std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) + " " +
                     std::to_string(sid) + " " + std::to_string(sid) + " " + std::to_string(tty) +
                     " -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + std::to_string(start) + " 0 0\n";
  auto st = ParseProcStat(text);
  RC_ASSERT(st.ok());
  RC_ASSERT(st->pid == pid);
  RC_ASSERT(st->comm == comm);
  RC_ASSERT(st->ppid == ppid);
  RC_ASSERT(st->session == sid);
  RC_ASSERT(st->tty_nr == tty);
  RC_ASSERT(st->start_time == start);
}

}  // namespace
}  // namespace reap
