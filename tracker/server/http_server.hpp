// http_server.hpp — the router (router.hpp) on a socket, with cpp-httplib: `tracker serve` and
// the tests run this.
//
//   auto store = tracker::production::store::open("tracker-store");
//   tracker::server::http_server srv(store, {.host = "127.0.0.1", .port = 0});
//   int port = srv.bind();            // port 0: the kernel picks a free one
//   std::thread t([&] { srv.serve(); });
//   ...                               // clients talk to http://127.0.0.1:<port>
//   srv.stop();                       // from any thread (not from a signal handler)
//   t.join();                         // serve() returned: every in-flight request answered
//
// The transport's part is only what needs the socket: TCP_NODELAY (without it a small POST
// waits for the peer's delayed ACK: ~40 ms, i.e. ~20 requests/s per connection on Linux), the
// body limit (413 before the body is read into memory), keep-alive, the worker threads.
// Everything else — auth, routes, errors — is the router's.
#pragma once

#include "router.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace tracker::server {

struct server_options {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8750;                 // 0 = any free port
  std::string token;               // non-empty: "Authorization: Bearer <token>" required
  std::size_t max_body = std::size_t{16} << 20;  // bytes; larger bodies get 413
  std::size_t threads = 8;         // worker threads = concurrent connections served
};

class http_server {
 public:
  http_server(production::store& store, server_options options);
  ~http_server();  // stops and waits if still serving
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds host:port and returns the bound port. Throws tracker::error (io_error) when the
  // address cannot be bound (in use, not local, bad host).
  int bind();
  // Accepts and answers until stop(); returns once the requests in flight are answered (their
  // writes committed). Call bind() first.
  void serve();
  // Stops accepting; serve() then finishes what is in flight and returns. Thread-safe.
  void stop();

  const router& api() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tracker::server
