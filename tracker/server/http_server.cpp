// http_server.cpp — see http_server.hpp. cpp-httplib 0.11 (Debian's libcpp-httplib-dev).
#include "http_server.hpp"

#include <tracker/types.hpp>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

namespace tracker::server {

namespace {

// httplib closes a keep-alive connection after this many requests (its default is 5, which
// would make every fifth request of a busy client pay a new TCP handshake).
constexpr std::size_t keep_alive_requests = 1'000'000;
// An idle keep-alive connection holds a worker thread this long: short, as there are only
// `threads` of them. (stop() does not wait for it: an idle connection notices within 100 ms.)
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

// A connection's socket as httplib's Stream, with fewer system calls per request than
// httplib's own SocketStream, which polls before every read and every write, sends a
// response's headers and body as two writes (two packets, two wake-ups of the client) and asks
// the kernel for both addresses on every request. On this project's VMs a system call or a
// wake-up costs several microseconds, and a single-record request paid ~12 of them here.
//   - Reads wait in recv() itself (SO_RCVTIMEO), in slices so that the server's stop and the
//     timeouts are noticed; bytes read ahead stay buffered for the next request.
//   - Writes are collected and sent with one send() once httplib has written the response,
//     or before a read has to wait for the client ("100 Continue" must reach it first).
//   - The peer's and our own address are asked once per connection.
// httplib still parses every request and writes every response (process_request).
class connection_stream final : public httplib::Stream {
 public:
  // A blocking recv() returns after this long without data, to look at the clock and at stop.
  static constexpr int slice_ms = 100;

  connection_stream(socket_t fd, time_t read_timeout_sec, time_t write_timeout_sec)
      : fd_(fd), read_slices_(std::max<time_t>(1, read_timeout_sec * 1000 / slice_ms)) {
    timeval rcv{0, slice_ms * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof rcv);
    timeval snd{static_cast<decltype(timeval::tv_sec)>(std::max<time_t>(1, write_timeout_sec)), 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd);
  }

  // Reads already wait (with a timeout) in read() and writes in flush(): nothing to ask first.
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }

  ssize_t read(char* ptr, size_t size) override {
    if (in_pos_ == in_end_) {
      if (!flush()) return -1;
      const ssize_t n = fill(read_slices_, [] { return true; });
      if (n <= 0) return n;
    }
    const std::size_t k = std::min(size, in_end_ - in_pos_);
    std::memcpy(ptr, in_.data() + in_pos_, k);
    in_pos_ += k;
    return static_cast<ssize_t>(k);
  }

  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  // Sends what was written since the last flush. False when the client is gone or stalled.
  bool flush() {
    for (std::size_t sent = 0; sent < out_.size();) {
      const ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        out_.clear();
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    out_.clear();
    return true;
  }

  // Waits up to `seconds` for the first bytes of the next request while `go_on()`; false when
  // none came (timeout, stop, or the client closed the connection).
  template <class F>
  bool wait_for_request(time_t seconds, F go_on) {
    if (in_pos_ < in_end_) return true;
    return fill(std::max<time_t>(1, seconds * 1000 / slice_ms), go_on) > 0;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_) remote_ = address_of(fd_, ::getpeername);
    ip = remote_->first;
    port = remote_->second;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_) local_ = address_of(fd_, ::getsockname);
    ip = local_->first;
    port = local_->second;
  }
  socket_t socket() const override { return fd_; }

 private:
  // One recv() into the empty buffer, waiting at most `slices` slices while go_on().
  template <class F>
  ssize_t fill(time_t slices, F go_on) {
    in_pos_ = in_end_ = 0;
    for (time_t waited = 0;;) {
      const ssize_t n = ::recv(fd_, in_.data(), in_.size(), 0);
      if (n > 0) {
        in_end_ = static_cast<std::size_t>(n);
        return n;
      }
      if (n == 0) return 0;  // the client closed the connection
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || ++waited >= slices || !go_on()) return -1;
    }
  }

  static std::pair<std::string, int> address_of(socket_t fd, int (*name)(int, sockaddr*, socklen_t*)) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    char text[INET6_ADDRSTRLEN] = "";
    int port = 0;
    if (name(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      if (a.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
        inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
        port = ntohs(v4.sin_port);
      } else if (a.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
        inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        port = ntohs(v6.sin6_port);
      }
    }
    return {text, port};
  }

  socket_t fd_;
  time_t read_slices_;
  std::array<char, 64 * 1024> in_;
  std::size_t in_pos_ = 0, in_end_ = 0;  // unread bytes: in_[in_pos_, in_end_)
  std::string out_;
  mutable std::optional<std::pair<std::string, int>> remote_, local_;
};

// httplib::Server serving each connection through connection_stream; everything else —
// accepting, the worker threads, parsing, routing, writing responses — is httplib's. (0.11
// declares process_and_close_socket virtual for its TLS server; `override` makes a version
// that changes it fail to compile rather than silently fall back.)
class server final : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ok = false;
    {
      connection_stream stream(sock, read_timeout_sec_, write_timeout_sec_);
      // As httplib's own loop: up to keep_alive_max_count_ requests while the server runs,
      // each within keep_alive_timeout_sec_ of the last.
      const auto serving = [this] { return svr_sock_ != INVALID_SOCKET; };
      for (std::size_t left = keep_alive_max_count_; left > 0 && serving(); --left) {
        if (!stream.wait_for_request(keep_alive_timeout_sec_, serving)) break;
        bool closed = false;
        ok = process_request(stream, /*close_connection=*/left == 1, closed, nullptr);
        if (!stream.flush()) ok = false;
        if (!ok || closed) break;
      }
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }
};

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
  server svr;
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
