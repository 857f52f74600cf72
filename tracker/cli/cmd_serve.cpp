// cmd_serve.cpp — `tracker serve`: the HTTP ingest server (tracker/server/, docs/http.md) on a
// store, until SIGTERM or SIGINT.
//
// Signals: SIGTERM and SIGINT are blocked in every thread (the mask is set before the store and
// the server start their threads, which inherit it) and taken by one thread with sigtimedwait(),
// which calls http_server::stop(): no work in a signal handler. The requests in flight then
// finish — each write returns only once committed — before serve() returns and we exit 0.
#include "command.hpp"

#include "http_server.hpp"

#include <tracker/production.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <string>
#include <thread>

namespace tracker::cli {

namespace {

const command_spec serve_spec{
    .name = "serve",
    .synopsis = "[--host 127.0.0.1] [--port 8750] [--token T] [--max-body BYTES] [--threads N]",
    .description =
        "Serves the HTTP ingest API (docs/http.md) on the store: production predictions,\n"
        "reference records and feedback in, health and drift out. Binds 127.0.0.1 unless --host\n"
        "says otherwise; --port 0 picks a free port. Prints 'listening on http://HOST:PORT' once\n"
        "it accepts connections. With --token (or $TRACKER_TOKEN) every request needs\n"
        "'Authorization: Bearer T'. --max-body: largest request body (default 16777216 bytes;\n"
        "larger: 413). --threads: connections served at once (default 8). SIGTERM/SIGINT: stops\n"
        "accepting, answers the requests in flight, exits 0.",
    .value_options = {"--host", "--port", "--token", "--max-body", "--threads"},
    .max_positional = 0,
};

// A whole decimal number in [lo, hi]; bad_usage naming the option otherwise.
unsigned long long number_option(const parsed_args& p, std::string_view option, unsigned long long lo,
                                 unsigned long long hi, unsigned long long fallback) {
  const std::optional<std::string> v = p.value(option);
  if (!v) return fallback;
  const bool digits = !v->empty() && v->size() <= 19 && v->find_first_not_of("0123456789") == std::string::npos;
  const unsigned long long n = digits ? std::strtoull(v->c_str(), nullptr, 10) : 0;
  if (!digits || n < lo || n > hi)
    throw bad_usage(std::string(option) + " must be a whole number from " + std::to_string(lo) + " to " +
                    std::to_string(hi) + ", got '" + *v + "'");
  return n;
}

// Blocks SIGINT and SIGTERM in this thread (and the threads it starts) while it lives.
class blocked_stop_signals {
 public:
  blocked_stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~blocked_stop_signals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_;
  sigset_t old_;
};

}  // namespace

int cmd_serve(const args& a, context& ctx) {
  // run_command holds a command's stdout until it ends (so an error leaves stdout empty); the
  // "listening" line must go out at once, so it is written to the stream's own buffer, taken
  // here before run_command swaps it. Every error (bad option, busy port) happens before it.
  std::streambuf* const live_out = ctx.out.rdbuf();
  return run_command(serve_spec, a, ctx, [&](const parsed_args& p) {
    server::server_options o;
    o.host = p.value("--host").value_or("127.0.0.1");
    o.port = static_cast<int>(number_option(p, "--port", 0, 65535, 8750));
    o.max_body = number_option(p, "--max-body", 1, std::size_t{1} << 40, o.max_body);
    o.threads = number_option(p, "--threads", 1, 1024, o.threads);
    if (auto t = p.value("--token")) {
      o.token = *t;
    } else if (const char* env = std::getenv("TRACKER_TOKEN")) {
      o.token = env;
    }
    if (o.token.empty() && o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1")
      ctx.err << "tracker serve: warning: listening on " << o.host
              << " without a token; anyone who can reach it can write (set --token or $TRACKER_TOKEN)\n";

    const blocked_stop_signals signals;  // before any thread starts
    production::store store = production::store::open(p.store);
    server::http_server srv(store, o);
    const int port = srv.bind();
    // The socket listens from bind() on: a client connecting now waits in the kernel's queue
    // until serve() picks it up, so this is when "it accepts connections".
    std::ostream(live_out) << "listening on http://" << o.host << ":" << port << std::endl;

    // Waits for SIGTERM/SIGINT, polling `done` so it can also be joined when serve() ends
    // without a signal (a failed accept loop).
    std::atomic<bool> done{false};
    std::thread stopper([&] {
      const timespec tick{0, 100'000'000};  // 100 ms
      while (!done) {
        if (sigtimedwait(&signals.set(), nullptr, &tick) > 0) {
          srv.stop();
          return;
        }
      }
    });
    srv.serve();
    done = true;
    stopper.join();
    ctx.err << "tracker serve: stopped; every accepted request was committed\n";
    return exit_code::ok;
  });
}

}  // namespace tracker::cli
