// http_server.cpp — see http_server.hpp. cpp-httplib 0.11 (Debian's libcpp-httplib-dev).
#include "http_server.hpp"

#include <tracker/types.hpp>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tracker::server {

namespace {

// httplib closes a keep-alive connection after this many requests (its default is 5, which
// would make every fifth request of a busy client pay a new TCP handshake).
constexpr std::size_t keep_alive_requests = 1'000'000;
// An idle keep-alive connection holds a worker thread this long. Short, because stop() also
// waits for idle connections to time out.
constexpr time_t keep_alive_seconds = 2;

// The body of an error the transport produced itself (the router writes its own).
std::string transport_error(int status, std::size_t max_body) {
  switch (status) {
    case 413:
      return error_body("request body larger than the server's limit of " + std::to_string(max_body) +
                        " bytes (--max-body)");
    case 414:
      return error_body("request URI too long");
    case 400:
      return error_body("bad HTTP request (malformed request line or headers, or a method the server does not route)");
    default:
      return error_body("HTTP error " + std::to_string(status));
  }
}

}  // namespace

struct http_server::impl {
  impl(production::store& store, server_options o)
      : api(store, router_options{.token = o.token, .max_body = o.max_body}), options(std::move(o)) {}

  void answer(const httplib::Request& in, httplib::Response& out) const {
    const std::string authorization = in.get_header_value("Authorization");
    request req{.method = in.method == "HEAD" ? std::string_view("GET") : std::string_view(in.method),
                .path = in.path,
                .authorization = authorization,
                .body = in.body,
                .query = {in.params.begin(), in.params.end()}};
    response res = api.handle(req);
    out.status = res.status;
    if (!res.allow.empty()) out.set_header("Allow", res.allow);
    if (res.status == 401) out.set_header("WWW-Authenticate", "Bearer");
    out.set_content(res.body, "application/json");
  }

  router api;
  server_options options;
  httplib::Server svr;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> in_serve{false};
};

http_server::http_server(production::store& store, server_options options)
    : impl_(std::make_unique<impl>(store, std::move(options))) {
  impl& m = *impl_;
  httplib::Server& s = m.svr;
  s.set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently take half of its connections. SO_REUSEADDR alone still allows a quick restart.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_payload_max_length(m.options.max_body);
  s.set_keep_alive_max_count(keep_alive_requests);
  s.set_keep_alive_timeout(keep_alive_seconds);
  const std::size_t threads = m.options.threads == 0 ? 1 : m.options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

  // Every method on every path goes to the one router, which knows 404 from 405.
  const auto handler = [&m](const httplib::Request& req, httplib::Response& res) { m.answer(req, res); };
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Patch(".*", handler);
  s.Delete(".*", handler);
  s.Options(".*", handler);

  const std::size_t max_body = m.options.max_body;
  s.set_error_handler(httplib::Server::HandlerWithResponse([max_body](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // the router's
    res.set_content(transport_error(res.status, max_body), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  // The router never throws; this is for httplib's own surprises.
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(error_body("internal error"), "application/json");
  });
}

http_server::~http_server() { stop(); }

int http_server::bind() {
  impl& m = *impl_;
  const int port = m.options.port == 0 ? m.svr.bind_to_any_port(m.options.host)
                                       : (m.svr.bind_to_port(m.options.host, m.options.port) ? m.options.port : -1);
  if (port <= 0)
    throw error(error_code::io_error, "cannot listen on " + m.options.host + ":" + std::to_string(m.options.port) +
                                          " (address in use, or not an address of this machine?)");
  return port;
}

void http_server::serve() {
  impl& m = *impl_;
  m.in_serve = true;
  if (!m.stop_requested) m.svr.listen_after_bind();
  m.in_serve = false;
}

void http_server::stop() {
  impl& m = *impl_;
  m.stop_requested = true;
  // httplib's stop() does nothing until listen has started, and serve() may be just about to
  // start it: wait for that (or for serve() to return) so the stop is never lost.
  while (m.in_serve && !m.svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  m.svr.stop();
}

const router& http_server::api() const { return impl_->api; }

}  // namespace tracker::server
