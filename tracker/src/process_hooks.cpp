#include "process_hooks.hpp"

#include "writer.hpp"

#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace tracker::detail {
namespace {

using namespace std::chrono_literals;

std::once_flag exit_once, signal_once;
sem_t signal_sem;
std::atomic<int> pending_signal{0};
struct sigaction previous_int, previous_term;

void on_exit() {
  for (auto& w : writer::live_writers())
    w->close_all(run_status::finished, "process exited before finish()", 5s);
}

extern "C" void on_signal(int sig) {
  int expected = 0;
  if (pending_signal.compare_exchange_strong(expected, sig)) sem_post(&signal_sem);
  // A second signal while we record the first takes the default path: immediate death.
  ::signal(sig, SIG_DFL);
}

void monitor_signals() {
  while (sem_wait(&signal_sem) != 0) {
  }
  int sig = pending_signal.load();
  std::string reason = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal " + std::to_string(sig);
  for (auto& w : writer::live_writers()) w->close_all(run_status::killed, reason, 3s);
  // Re-deliver with the disposition the program had before us (default: terminate).
  const struct sigaction& prev = sig == SIGINT ? previous_int : previous_term;
  sigaction(sig, &prev, nullptr);
  kill(getpid(), sig);
}

void install_signal(int sig, struct sigaction& previous) {
  struct sigaction current {};
  sigaction(sig, nullptr, &current);
  // Only take over the default disposition: a program with its own handler (or SIG_IGN)
  // decides itself what a signal means, and calls finish()/fail() accordingly.
  if (current.sa_handler != SIG_DFL || (current.sa_flags & SA_SIGINFO)) return;
  previous = current;
  struct sigaction ours {};
  ours.sa_handler = on_signal;
  sigemptyset(&ours.sa_mask);
  sigaction(sig, &ours, nullptr);
}

}  // namespace

void install_process_hooks(bool handle_signals) {
  std::call_once(exit_once, [] { std::atexit(on_exit); });
  if (!handle_signals) return;
  std::call_once(signal_once, [] {
    sem_init(&signal_sem, 0, 0);
    std::thread(monitor_signals).detach();
    install_signal(SIGINT, previous_int);
    install_signal(SIGTERM, previous_term);
  });
}

}  // namespace tracker::detail
