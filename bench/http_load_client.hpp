// http_load_client.hpp — a minimal keep-alive HTTP/1.1 client on a raw socket, the load
// generator of bench_ingest (the way wrk and similar load testers talk to a server).
//
//   tracker_bench::load_client c("127.0.0.1", port);
//   std::string head = tracker_bench::post_head("127.0.0.1", port, "/v1/predictions", body.size());
//   std::string answer;
//   int status = c.round_trip(head, body, answer);   // 200, answer = the response body
//
// Why not httplib::Client: per request it polls before every read and write, sends headers
// and body in two writes and reads the answer in small pieces — on this machine's VM, where a
// system call is expensive, the clients then cost a quarter of the CPU of a single-record
// request and the benchmark measures its own load generator. Here a request is sent with one
// sendmsg() (a large body may need more), and the answer is read with as few recv() calls as
// the server's writes allow, until its Content-Length is complete.
//
// Just enough HTTP for a benchmark against a server we know: no chunked responses, no
// redirects, no TLS. A response without Content-Length, a malformed one or a closed
// connection is an error (status -1); the next request then opens a new connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace tracker_bench {

// The request line and headers of a POST with a body of `body_bytes`.
inline std::string post_head(const std::string& host, int port, std::string_view path, std::size_t body_bytes,
                             std::string_view content_type = "application/json") {
  std::string r;
  r.reserve(160);
  r.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append(":").append(std::to_string(port));
  r.append("\r\nContent-Type: ").append(content_type);
  r.append("\r\nContent-Length: ").append(std::to_string(body_bytes)).append("\r\n\r\n");
  return r;
}

class load_client {
 public:
  load_client(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~load_client() { disconnect(); }
  load_client(const load_client&) = delete;
  load_client& operator=(const load_client&) = delete;

  // Sends a request — `head` (request line and headers, e.g. from post_head) then `body` — on
  // the kept-alive connection, in one sendmsg() (the two parts gathered by the kernel: no copy
  // of a large body), and reads the response. Returns its status and puts its body in `body_out`;
  // -1 when the connection failed or the response was not understood (it is then closed).
  int round_trip(std::string_view head, std::string_view body, std::string& body_out) {
    body_out.clear();
    if (fd_ < 0 && !connect_now()) return -1;
    for (std::size_t sent = 0; sent < head.size() + body.size();) {
      iovec parts[2];
      int count = 0;
      if (sent < head.size()) parts[count++] = {const_cast<char*>(head.data() + sent), head.size() - sent};
      const std::size_t in_body = sent > head.size() ? sent - head.size() : 0;
      if (in_body < body.size()) parts[count++] = {const_cast<char*>(body.data() + in_body), body.size() - in_body};
      msghdr m{};
      m.msg_iov = parts;
      m.msg_iovlen = static_cast<decltype(m.msg_iovlen)>(count);
      const ssize_t n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return failed();
      sent += static_cast<std::size_t>(n);
    }
    // Headers: read until the blank line.
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!read_more()) return failed();
    const std::string_view answer_head(buffer_.data(), header_end);
    // "HTTP/1.1 200 OK"
    if (answer_head.size() < 12 || answer_head.substr(0, 5) != "HTTP/") return failed();
    const int status = std::atoi(answer_head.data() + answer_head.find(' ') + 1);
    long length = -1;
    bool close = false;
    for (std::size_t at = answer_head.find("\r\n"); at != std::string_view::npos;) {
      const std::size_t next = answer_head.find("\r\n", at + 2);
      const std::string_view line = answer_head.substr(at + 2, next == std::string_view::npos ? next : next - at - 2);
      if (starts_with_nocase(line, "content-length:")) length = std::atol(line.data() + 15);
      if (starts_with_nocase(line, "connection:") && line.find("close") != std::string_view::npos) close = true;
      at = next;
    }
    if (length < 0 || status <= 0) return failed();
    // Body: until Content-Length bytes are in.
    const std::size_t total = header_end + 4 + static_cast<std::size_t>(length);
    while (buffer_.size() < total)
      if (!read_more()) return failed();
    body_out.assign(buffer_, header_end + 4, static_cast<std::size_t>(length));
    buffer_.erase(0, total);  // nothing left over unless the server sent more than one answer
    if (close) disconnect();
    return status;
  }

 private:
  static bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
  }

  bool connect_now() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    if (::inet_pton(AF_INET, host_.c_str(), &a.sin_addr) != 1 ||
        ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      disconnect();
      return false;
    }
    // A small request must not wait for the server's delayed ACK (Nagle): ~40 ms per request.
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    return true;
  }

  bool read_more() {
    char chunk[64 * 1024];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  }

  int failed() {
    disconnect();
    return -1;
  }

  void disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  std::string host_;
  int port_;
  int fd_ = -1;
  std::string buffer_;  // bytes received and not yet consumed
};

}  // namespace tracker_bench
