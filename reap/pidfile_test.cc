// Pidfile writer: the check-and-replace races that a restart produces.
#include "reap/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "testing/world.h"

namespace reap {
namespace {

// The old daemon removes its pidfile (as a restart does) while a writer
// checks it: the writer reads the file once, so it either sees the live PID
// and refuses, or sees no file and proceeds; it never aborts.
TEST(PidfileTest, PrepareSurvivesThePidfileVanishingDuringTheCheck) {
  std::string dir = reap_testing::TempDir();
  std::string path = dir + "/app.pid";
  std::string live = std::to_string(getpid()) + "\n";
  std::atomic<bool> stop{false};
  std::thread restarts([&] {
    while (!stop) {
      int fd = open((path + ".new").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd >= 0) {
        ssize_t w = write(fd, live.data(), live.size());
        (void)w;
        close(fd);
        rename((path + ".new").c_str(), path.c_str());
      }
      unlink(path.c_str());
    }
  });
  int refused = 0, prepared = 0;
  for (int i = 0; i < 20000; ++i) {
    auto w = PidfileWriter::Prepare(path, /*force=*/false);
    if (w.ok()) {
      ++prepared;
    } else {
      ASSERT_EQ(w.error().err, EEXIST) << w.error().ToString();
      ++refused;
    }
  }
  stop = true;
  restarts.join();
  EXPECT_GT(refused, 0);
  EXPECT_GT(prepared, 0);
  unlink((path + ".new").c_str());
}

}  // namespace
}  // namespace reap
