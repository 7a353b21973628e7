// Spawn latency of reap::Detach against baselines measured in the same run:
// posix_spawn (POSIX_SPAWN_SETSID) and a classic fork-based double fork, at
// several caller memory sizes; Detach throughput with 1, 2, 4 threads; and
// whole CLIs end to end. The process is a subreaper and reaps everything.
#include <benchmark/benchmark.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "bench/baselines.h"
#include "reap/detach.h"
#include "reap/observe.h"
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
      void* m =
          mmap(nullptr, kMax, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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

void OnAlarm(int) {}

// Waits until no child is left, own or adopted, reaping each: blocking in
// wait4 (at most 5 s), not polling. Everything detached ends up as our child
// once the tool and its intermediates have exited, so "no child left" means
// none is left anywhere.
void AwaitNoChildren() {
  struct sigaction sa = {};
  sa.sa_handler = OnAlarm;  // no SA_RESTART: the wait returns EINTR
  sigaction(SIGALRM, &sa, nullptr);
  alarm(5);
  while (waitpid(-1, nullptr, __WALL) > 0) {
  }
  alarm(0);
  Reap();
}

// One CPU kept busy by an unrelated process (the busy regime). It is not our
// child (forked twice before this process becomes a subreaper), so waiting
// for our children never waits for it. It spins while *on is 1 and sleeps
// otherwise, and exits when the pipe from us closes (we exited or crashed).
struct Spinner {
  volatile int* on = nullptr;
  pid_t pid = 0;
  int keep_alive = -1;  // write end; closed at exit

  bool Start() {
    void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int p[2];
    if (m == MAP_FAILED || pipe2(p, O_CLOEXEC) != 0) return false;
    on = static_cast<volatile int*>(m);
    volatile pid_t* spinner_pid = static_cast<volatile pid_t*>(m) + 1;
    pid_t mid = fork();
    if (mid == 0) {
      close(p[1]);
      if (fork() != 0) _exit(0);
      setsid();
      *spinner_pid = getpid();
      fcntl(p[0], F_SETFL, O_NONBLOCK);
      for (unsigned n = 0;; ++n) {
        char c;
        if (n % 4096 == 0 && read(p[0], &c, 1) == 0) _exit(0);  // EOF: the benchmark is gone
        if (*on == 0) usleep(500);
      }
    }
    close(p[0]);
    keep_alive = p[1];
    if (mid < 0 || waitpid(mid, nullptr, 0) != mid) return false;
    for (int i = 0; i < 1000 && *spinner_pid == 0; ++i) usleep(1000);
    pid = *spinner_pid;
    return pid > 0;
  }
  void Set(bool spinning) {
    *on = spinning ? 1 : 0;
    if (spinning) usleep(5000);  // let it get a CPU
  }
  ~Spinner() {
    if (pid > 0) kill(pid, SIGKILL);  // ours, by PID
    if (keep_alive >= 0) close(keep_alive);
  }
};
Spinner g_spinner;

// How each latency row spends the time between calls (range(1)):
enum Regime : int64_t {
  // Back to back, the usual benchmark loop; only reap what has exited. Each
  // call overlaps with the previous command still starting up.
  kLoop = 0,
  // Untimed: wait until the detached command has exited and is reaped, then
  // sleep 2 ms, so that every call starts on an idle machine.
  kIsolated = 1,
  // As isolated, but with one CPU kept busy by an unrelated process: a busy
  // server.
  kBusy = 2,
};

const char* RegimeName(Regime r) { return r == kLoop ? "loop" : r == kIsolated ? "isolated" : "busy"; }

struct RegimeScope {
  explicit RegimeScope(Regime r) : regime(r) {
    g_spinner.Set(regime == kBusy);
    AwaitNoChildren();
  }
  ~RegimeScope() { g_spinner.Set(false); }
  // Ends one call's measurement.
  void EndIteration(benchmark::State& state) const {
    if (regime == kLoop) {
      Reap();
      return;
    }
    state.PauseTiming();
    AwaitNoChildren();
    usleep(2000);
    state.ResumeTiming();
  }
  Regime regime;
};

// Progress on stderr (at most once a second): time so far and the row that
// runs now (repetitions run in random order, so there is no "how many left").
struct Progress {
  std::string last;
  double start = 0, printed = 0;
  static double Now() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }
  void Enter(const std::string& name) {
    double now = Now();
    if (start == 0) start = now;
    if (now - printed < 1.0) return;
    printed = now;
    int elapsed = static_cast<int>(now - start);
    std::fprintf(stderr, "\rbench: %d:%02d %-60.60s", elapsed / 60, elapsed % 60, name.c_str());
  }
  void Done() const {
    int elapsed = static_cast<int>(Now() - start);
    std::fprintf(stderr, "\rbench: %d:%02d done%-60s\n", elapsed / 60, elapsed % 60, "");
  }
};
Progress g_progress;

// Every latency row starts here: MIB of caller memory, then the regime.
void Enter(benchmark::State&, int mib) { g_ballast.Ensure(static_cast<std::size_t>(mib) << 20); }

// Detach of a tiny program, exec confirmed.
void BM_Detach(benchmark::State& state, Regime r, int mib) {
  Enter(state, mib);
  reap::Command c;
  c.program = kTiny;
  RegimeScope regime(r);
  for (auto _ : state) {
    auto id = reap::Detach(c);
    if (!id.ok()) state.SkipWithError(id.error().ToString().c_str());
    benchmark::DoNotOptimize(id);
    regime.EndIteration(state);
  }
}

// posix_spawn with a new session (bench/baselines.h); the child is ours,
// reaped later.
void BM_PosixSpawn(benchmark::State& state, Regime r, int mib) {
  Enter(state, mib);
  RegimeScope regime(r);
  for (auto _ : state) {
    pid_t pid = 0;
    if (reap_bench::PosixSpawnSetsid(kTiny, &pid) != 0) state.SkipWithError("posix_spawn failed");
    benchmark::DoNotOptimize(pid);
    regime.EndIteration(state);
  }
}

// The classic daemon double fork (bench/baselines.h).
void BM_DoubleFork(benchmark::State& state, Regime r, int mib) {
  Enter(state, mib);
  RegimeScope regime(r);
  for (auto _ : state) {
    if (reap_bench::DoubleFork(kTiny) <= 0) state.SkipWithError("double fork failed");
    regime.EndIteration(state);
  }
}

// The floor under any detach with an intermediate process: bare clones and
// nothing else. One clone: CLONE_VM|CLONE_VFORK, setsid, exec (posix_spawn
// without its setup). Two clones (the bare chain): the same from an
// intermediate that the caller waits for (Detach without its setup,
// identity or error reporting). Stacks are static: one thread runs this.
struct FloorChain {
  alignas(64) static inline char intermediate_stack[64 * 1024];
  alignas(64) static inline char command_stack[64 * 1024];
  static inline volatile int exec_failed = 0;  // shared memory (CLONE_VM)
  static int Command(void*) {
    setsid();
    char* argv[] = {const_cast<char*>(kTiny), nullptr};
    execve(kTiny, argv, environ);
    exec_failed = 1;
    _exit(127);
  }
  static int Intermediate(void*) {
    pid_t c = clone(Command, command_stack + sizeof command_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, nullptr);
    _exit(c > 0 ? 0 : 1);
  }
};

void BM_CloneFloor(benchmark::State& state, Regime r, int mib, int clones) {
  Enter(state, mib);
  const bool two = clones == 2;
  RegimeScope regime(r);
  for (auto _ : state) {
    // Exit signal 0 for the intermediate (as in Detach), SIGCHLD for a
    // command that is our child.
    int flags = CLONE_VM | CLONE_VFORK | (two ? 0 : SIGCHLD);
    char* stack = FloorChain::intermediate_stack + sizeof FloorChain::intermediate_stack;
    pid_t pid = clone(two ? FloorChain::Intermediate : FloorChain::Command, stack, flags, nullptr);
    int status = 0;
    bool failed = pid < 0 || (two && (waitpid(pid, &status, __WALL) != pid || status != 0));
    if (failed || FloorChain::exec_failed) {
      state.SkipWithError("clone or exec failed");
      break;
    }
    regime.EndIteration(state);
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

// Whole CLIs: start the tool, wait for it to exit (it has detached `true`),
// then end the iteration as the regime says.
void BM_Cli(benchmark::State& state, Regime r, std::vector<std::string> argv) {
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  RegimeScope regime(r);
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
    regime.EndIteration(state);
  }
  posix_spawn_file_actions_destroy(&fa);
}

#if defined(__x86_64__)
// One CPUID instruction. Inside a virtual machine it traps to the
// hypervisor; glibc runs it dozens of times while starting every program
// (CPU features, cache sizes), which dominates process start here.
void BM_Cpuid(benchmark::State& state) {
  for (auto _ : state) {
    unsigned a = 4, b = 0, c = 0, d = 0;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    benchmark::DoNotOptimize(a);
  }
}
#endif

// Absolute path of a tool: PATH, then the sbin directories (start-stop-daemon
// lives there and test environments often leave them out of PATH).
std::string Which(const std::string& name) {
  std::string path =
      std::string(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin";
  auto found = reap::FindOnPath(name, path.c_str());
  return found.ok() ? found.value() : name;
}

// The programs the CLI rows start that are built here (reaper and the two
// empty programs) are copied into one fresh directory under $TMPDIR
// (default /tmp), so that they start from a plain path like an installed
// tool (/usr/bin/daemonize), not through the symlinks and long paths of
// Bazel's output tree (resolving those costs every exec tens of
// microseconds). Everything is removed at exit.
struct Installed {
  std::string dir;
  std::vector<std::string> files;

  bool Init() {
    const char* tmp = getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/reap-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return false;
    dir = tmpl;
    return true;
  }
  // Returns the copy of FROM, named NAME; "" with errno on failure.
  std::string Copy(const std::string& from, const std::string& name) {
    std::string to = dir + "/" + name;
    int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
    int out = open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    bool ok = in >= 0 && out >= 0;
    char buf[65536];
    for (ssize_t n; ok && (n = read(in, buf, sizeof buf)) != 0;) {
      ok = n > 0 && write(out, buf, static_cast<std::size_t>(n)) == n;
    }
    int e = errno;
    if (in >= 0) close(in);
    if (out >= 0) {
      files.push_back(to);
      if (close(out) != 0) ok = false;
    }
    errno = e;
    return ok ? to : "";
  }
  ~Installed() {
    for (const auto& f : files) unlink(f.c_str());
    if (!dir.empty()) rmdir(dir.c_str());
  }
};

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string self = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  return self.substr(0, self.rfind('/'));
}

}  // namespace

// Registers FN under NAME; each run reports its start to g_progress.
template <typename Fn>
benchmark::internal::Benchmark* Register(const std::string& name, Fn fn) {
  return benchmark::RegisterBenchmark(name.c_str(), [name, fn](benchmark::State& st) {
    if (st.thread_index() == 0) g_progress.Enter(name);
    fn(st);
  });
}

// Untimed iterations are not counted by --benchmark_min_time, so rows that
// settle after every call run a fixed number of calls.
int SettledIterations(Regime r, int mib, bool quick, bool forks) {
  if (r == kLoop) return 0;  // --benchmark_min_time decides
  int n = forks && mib >= 1024 ? 10 : 150;
  return quick ? std::max(4, n / 4) : n;
}

int main(int argc, char** argv) {
  // --quick (ours, not Google Benchmark's): fewer sizes and calls.
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
      for (int j = i; j < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      break;
    }
  }
  // Before this process becomes a subreaper, so that the spinner is not ours.
  if (!g_spinner.Start()) {
    std::fprintf(stderr, "cannot start the spinner process: %s\n", std::strerror(errno));
    return 1;
  }
  if (!reap::BecomeSubreaper().ok()) {
    std::fprintf(stderr, "cannot become a subreaper\n");
    return 1;
  }
  // bench/report.sh runs this with --benchmark_enable_random_interleaving:
  // repetitions in random order, so drift during the run (this VM slows down
  // after gigabytes were touched and freed, and after repeated forks of a
  // 1-4 GiB process) spreads over all rows. Latency rows are named
  // REGIME/METHOD/MIB (see Regime); CLI rows cli/REGIME/TOOL.
  using Method = void (*)(benchmark::State&, Regime, int);
  const std::vector<std::pair<std::string, Method>> methods = {
      {"reap::Detach", BM_Detach}, {"posix_spawn", BM_PosixSpawn}, {"double_fork", BM_DoubleFork}};
  auto add = [&](Regime r, const std::string& method, int mib, benchmark::internal::Benchmark* b) {
    b->UseRealTime();
    if (int n = SettledIterations(r, mib, quick, method == "double_fork")) b->Iterations(n);
  };
  auto name = [](Regime r, const std::string& method, int mib) {
    return std::string(RegimeName(r)) + "/" + method + "/" + std::to_string(mib);
  };
  for (Regime r : {kLoop, kIsolated, kBusy}) {
    std::vector<int> sizes = {16, 4096};
    if (r == kLoop && !quick) sizes = {16, 256, 1024, 4096};
    if (r == kBusy) sizes = {16};
    for (int mib : sizes) {
      for (const auto& [method, fn] : methods) {
        add(r, method, mib,
            Register(name(r, method, mib), [fn = fn, r, mib](benchmark::State& st) { fn(st, r, mib); }));
      }
      if (mib != 16 && mib != 4096) continue;
      for (int clones : {1, 2}) {
        std::string method = clones == 1 ? "one clone" : "bare chain";
        add(r, method, mib, Register(name(r, method, mib), [r, mib, clones](benchmark::State& st) {
              BM_CloneFloor(st, r, mib, clones);
            }));
      }
    }
  }
  Register("throughput/reap::Detach", BM_DetachThroughput)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
  // The reaper binary sits next to this one's runfiles or in bazel-bin.
  std::string built = getenv("REAPER") ? getenv("REAPER") : SelfDir() + "/../reaper/reaper";
  Installed installed;
  std::string reaper, empty_glibc, empty_nolibc;
  if (!installed.Init() || (reaper = installed.Copy(built, "reaper")).empty() ||
      (empty_glibc = installed.Copy(SelfDir() + "/empty_glibc", "empty_glibc")).empty() ||
      (empty_nolibc = installed.Copy(SelfDir() + "/empty_nolibc", "empty_nolibc")).empty()) {
    std::fprintf(stderr, "cannot copy the programs to a temporary directory: %s\n", std::strerror(errno));
    return 1;
  }
#if defined(__x86_64__)
  Register("machine/cpuid instruction", BM_Cpuid)->UseRealTime();
#endif
  const std::vector<std::pair<std::string, std::vector<std::string>>> clis = {
      // Floors: starting a program that does nothing, with and without libc.
      {"empty program (no libc)", {empty_nolibc}},
      {"empty program (static glibc)", {empty_glibc}},
      {"reaper", {reaper, "--", "true"}},
      {"setsid -f", {Which("setsid"), "-f", "true"}},
      {"daemonize", {Which("daemonize"), "/bin/true"}},
      {"start-stop-daemon",
       {Which("start-stop-daemon"), "--start", "--background", "--oknodo", "--exec", "/bin/true"}},
      {"sh nohup &", {Which("sh"), "-c", "nohup true >/dev/null 2>&1 & echo $!"}},
      {"legacy Go idiom (bash nohup awk)",
       {"/bin/bash", "-c", "nohup true < /dev/null &>/dev/null & echo -n $! | awk '/[0-9]+$/{ printf $0 }'"}},
  };
  for (Regime r : {kLoop, kIsolated}) {
    for (const auto& [tool, cmd] : clis) {
      auto* b = benchmark::RegisterBenchmark(("cli/" + std::string(RegimeName(r)) + "/" + tool).c_str(),
                                             BM_Cli, r, cmd)
                    ->UseRealTime();
      if (r != kLoop) b->Iterations(quick ? 30 : 100);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  g_progress.Done();
  benchmark::Shutdown();
  // Everything detached was `true`; give stragglers 5 s, then end them.
  AwaitNoChildren();
  for (pid_t pid : reap::ListChildren(getpid())) kill(pid, SIGKILL);
  AwaitNoChildren();
  return 0;
}
