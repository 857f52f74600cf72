// process_hooks.hpp — what happens to live runs when the process ends.
//
// Normal exit (return from main, exit()): an atexit handler closes every live run as
// "finished" (reason: process exited before finish()) and drains the writers, bounded.
// SIGINT / SIGTERM: the handler only posts a semaphore (async-signal-safe); a monitor thread
// marks live runs "killed", drains with a bounded wait, then re-raises the signal with its
// default action so the process still dies the way the sender meant. A second signal kills at
// once. A handler the program installed before init() (or SIG_IGN) is left alone — not
// chained: tracker does not install its own for that signal, and the program's handler
// decides what the signal means (and calls finish()/fail() itself).
#pragma once

namespace tracker::detail {

void install_process_hooks(bool handle_signals);

}  // namespace tracker::detail
