// Spawn latency of reap::Detach against baselines measured in the same run:
// posix_spawn (POSIX_SPAWN_SETSID) and a classic fork-based double fork, at
// several caller memory sizes; Detach throughput with 1, 2, 4 threads; and
// whole CLIs end to end. The process is a subreaper and reaps everything.
#include <benchmark/benchmark.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "reap/detach.h"
#include "reap/proc.h"
#include "reap/subreaper.h"

extern char** environ;

namespace {

const char* kTiny = "/bin/true";

// Caller memory ("RSS"): one mapping reserved once, grown by touching more
// of it and shrunk with MADV_DONTNEED, so changing size does not unmap and
// remap gigabytes between measurements.
struct Ballast {
  static constexpr std::size_t kMax = std::size_t{4096} << 20;
  char* p = nullptr;
  std::size_t touched = 0;
  void Ensure(std::size_t bytes) {
    if (p == nullptr) {
      void* m = mmap(nullptr, kMax, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (m == MAP_FAILED) {
        std::perror("mmap ballast");
        std::exit(1);
      }
      p = static_cast<char*>(m);
    }
    if (bytes > touched) {
      std::memset(p + touched, 1, bytes - touched);  // resident now
    } else if (bytes < touched) {
      madvise(p + bytes, touched - bytes, MADV_DONTNEED);
    }
    touched = bytes;
  }
};
Ballast g_ballast;

void Reap() { (void)reap::ReapExited(); }

// Detach of a tiny program, exec confirmed.
void BM_Detach(benchmark::State& state) {
  g_ballast.Ensure(static_cast<std::size_t>(state.range(0)) << 20);
  reap::Command c;
  c.program = kTiny;
  for (auto _ : state) {
    auto id = reap::Detach(c);
    if (!id.ok()) state.SkipWithError(id.error().ToString().c_str());
    benchmark::DoNotOptimize(id);
    Reap();
  }
}

// posix_spawn with a new session: returns once the exec happened (glibc
// reports exec errors synchronously); the child is ours, reaped later.
void BM_PosixSpawn(benchmark::State& state) {
  g_ballast.Ensure(static_cast<std::size_t>(state.range(0)) << 20);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(kTiny), nullptr};
  for (auto _ : state) {
    pid_t pid = 0;
    int rc = posix_spawn(&pid, kTiny, &fa, &attr, argv, environ);
    if (rc != 0) state.SkipWithError("posix_spawn failed");
    benchmark::DoNotOptimize(pid);
    Reap();
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
}

// The classic daemon double fork: fork, setsid, fork, exec; the PID and the
// exec's errno come back over a close-on-exec pipe; the intermediate is
// reaped. Its cost grows with the caller's page tables.
void BM_DoubleFork(benchmark::State& state) {
  g_ballast.Ensure(static_cast<std::size_t>(state.range(0)) << 20);
  char* argv[] = {const_cast<char*>(kTiny), nullptr};
  for (auto _ : state) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) state.SkipWithError("pipe");
    pid_t mid = fork();
    if (mid == 0) {
      setsid();
      pid_t c = fork();
      if (c == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execv(kTiny, argv);
        int e = errno;
        ssize_t w = write(p[1], &e, sizeof e);
        (void)w;
        _exit(127);
      }
      ssize_t w = write(p[1], &c, sizeof c);
      (void)w;
      _exit(0);
    }
    close(p[1]);
    pid_t pid = 0;
    int err = 0;
    ssize_t n1 = read(p[0], &pid, sizeof pid);
    ssize_t n2 = read(p[0], &err, sizeof err);  // EOF: exec happened
    close(p[0]);
    waitpid(mid, nullptr, 0);
    if (n1 != sizeof pid || n2 != 0) state.SkipWithError("double fork failed");
    Reap();
  }
}

// Detaches per second from several threads at once.
void BM_DetachThroughput(benchmark::State& state) {
  reap::Command c;
  c.program = kTiny;
  for (auto _ : state) {
    auto id = reap::Detach(c);
    if (!id.ok()) state.SkipWithError(id.error().ToString().c_str());
    Reap();
  }
  state.SetItemsProcessed(state.iterations());
}

// Whole CLIs: start the tool, wait for it to exit (it has detached `true`).
void BM_Cli(benchmark::State& state, std::vector<std::string> argv) {
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ) != 0) {
      state.SkipWithError(("cannot run " + argv[0]).c_str());
      break;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError((argv[0] + " failed").c_str());
      break;
    }
    Reap();
  }
  posix_spawn_file_actions_destroy(&fa);
}

// Absolute path of a tool: PATH, then the sbin directories (start-stop-daemon
// lives there and test environments often leave them out of PATH).
std::string Which(const std::string& name) {
  std::string path = getenv("PATH") ? getenv("PATH") : "";
  path += ":/usr/local/sbin:/usr/sbin:/sbin";
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t end = path.find(':', pos);
    if (end == std::string::npos) end = path.size();
    std::string candidate = path.substr(pos, end - pos) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    pos = end + 1;
  }
  return name;
}

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string self = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  return self.substr(0, self.rfind('/'));
}

}  // namespace

int main(int argc, char** argv) {
  if (!reap::BecomeSubreaper().ok()) {
    std::fprintf(stderr, "cannot become a subreaper\n");
    return 1;
  }
  // Grouped by caller size so the ballast is allocated once per size. The
  // double forks run after all the others: forking a 1-4 GiB process over and
  // over churns the kernel's memory state and slows whatever is measured
  // right after it.
  for (int mib : {16, 256, 1024, 4096}) {
    benchmark::RegisterBenchmark("detach/reap::Detach", BM_Detach)->Arg(mib)->UseRealTime();
    benchmark::RegisterBenchmark("detach/posix_spawn", BM_PosixSpawn)->Arg(mib)->UseRealTime();
  }
  for (int mib : {16, 256, 1024, 4096}) {
    benchmark::RegisterBenchmark("detach/double_fork", BM_DoubleFork)->Arg(mib)->UseRealTime();
  }
  benchmark::RegisterBenchmark("throughput/reap::Detach", BM_DetachThroughput)
      ->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
  // The reaper binary sits next to this one's runfiles or in bazel-bin.
  std::string reaper = getenv("REAPER") ? getenv("REAPER") : SelfDir() + "/../reaper/reaper";
  benchmark::RegisterBenchmark("cli/reaper", BM_Cli, std::vector<std::string>{reaper, "--", "true"})->UseRealTime();
  benchmark::RegisterBenchmark("cli/setsid -f", BM_Cli, std::vector<std::string>{Which("setsid"), "-f", "true"})->UseRealTime();
  benchmark::RegisterBenchmark("cli/daemonize", BM_Cli, std::vector<std::string>{Which("daemonize"), "/bin/true"})->UseRealTime();
  benchmark::RegisterBenchmark("cli/start-stop-daemon", BM_Cli,
                               std::vector<std::string>{Which("start-stop-daemon"), "--start", "--background",
                                                        "--oknodo", "--exec", "/bin/true"})->UseRealTime();
  benchmark::RegisterBenchmark("cli/sh nohup &", BM_Cli,
                               std::vector<std::string>{Which("sh"), "-c", "nohup true >/dev/null 2>&1 & echo $!"})->UseRealTime();
  benchmark::RegisterBenchmark(
      "cli/legacy Go idiom (bash nohup awk)", BM_Cli,
      std::vector<std::string>{"/bin/bash", "-c",
                               "nohup true < /dev/null &>/dev/null & echo -n $! | awk '/[0-9]+$/{ printf $0 }'"})
      ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Everything detached was `true`; give stragglers 2 s, then end them.
  for (int i = 0; i < 200 && !reap::ListChildren(getpid()).empty(); ++i) {
    Reap();
    usleep(10000);
  }
  for (pid_t pid : reap::ListChildren(getpid())) kill(pid, SIGKILL);
  for (int i = 0; i < 200 && !reap::ListChildren(getpid()).empty(); ++i) {
    Reap();
    usleep(10000);
  }
  return 0;
}
