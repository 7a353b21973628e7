// Detach a worker and wait until it says it is ready (sd_notify READY=1).
// The worker is this program itself, started with --worker.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>

#include "reap/detach.h"
#include "reap/handle.h"
#include "reap/notify.h"
#include "reap/subreaper.h"

// What a daemon that speaks sd_notify does once it is ready to serve
// (nothing is sent when NOTIFY_SOCKET is unset).
void SayReady() { (void)reap::SendNotify("READY=1\nSTATUS=listening on :8080"); }

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--worker") {
    usleep(200 * 1000);  // start-up work
    SayReady();
    sleep(30);
    return 0;
  }
  if (!reap::BecomeSubreaper().ok()) return 1;  // we adopt (and reap) the worker
  auto notify = reap::NotifySocket::Create();
  if (!notify.ok()) return 1;
  reap::Command cmd;
  cmd.program = "/proc/self/exe";  // resolved by the caller: this program
  cmd.args = {"--worker"};
  cmd.set_env.emplace_back("NOTIFY_SOCKET", notify->address());
  auto id = reap::Detach(cmd);
  if (!id.ok()) return 1;
  auto handle = reap::ProcessHandle::Open(id.value());
  if (!handle.ok()) return 1;

  auto r = notify->Wait(
      id->pid, /*descendants=*/false, [&] { return handle->Exited(); }, std::chrono::seconds(10));
  if (r.end == reap::NotifyResult::End::kReady) std::cout << "ready: " << r.status << "\n";
  if (r.end != reap::NotifyResult::End::kReady) std::cout << "not ready\n";

  (void)handle->Signal(SIGTERM);
  waitpid(id->pid, nullptr, 0);  // our adopted child
  return r.end == reap::NotifyResult::End::kReady ? 0 : 1;
}
