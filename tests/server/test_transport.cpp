// test_transport.cpp — the server's connection handling (http_server.cpp's connection_stream)
// seen from a raw socket: requests that arrive in pieces or two in one packet, "Expect:
// 100-continue", bodies larger than the read buffer, a client that goes away mid-request, and
// stop() with an idle keep-alive connection.
#include "server_fixture.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

using namespace tracker_server_test;

// A plain TCP connection to the test server; reads give up after 5 s (a test fails, not hangs).
class raw_connection {
 public:
  explicit raw_connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~raw_connection() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send(const std::string& bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += static_cast<std::size_t>(n);
    }
  }

  // Reads until `text` has arrived; returns everything up to and including it.
  std::string read_through(const std::string& text) {
    std::size_t at;
    while ((at = buffer_.find(text)) == std::string::npos) REQUIRE(read_more());
    std::string out = buffer_.substr(0, at + text.size());
    buffer_.erase(0, at + text.size());
    return out;
  }

  // One response: its status and body (Content-Length bytes).
  std::pair<int, std::string> response() {
    const std::string head = read_through("\r\n\r\n");
    REQUIRE(head.rfind("HTTP/1.1 ", 0) == 0);
    const int status = std::atoi(head.c_str() + 9);
    const auto cl = head.find("Content-Length: ");
    REQUIRE(cl != std::string::npos);
    const std::size_t length = std::strtoul(head.c_str() + cl + 16, nullptr, 10);
    while (buffer_.size() < length) REQUIRE(read_more());
    std::string body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return {status, body};
  }

 private:
  bool read_more() {
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string post_head(const std::string& body, const std::string& extra_headers = "") {
  return "POST /v1/predictions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
}

json accepted(std::size_t n) { return json{{"accepted", n}, {"duplicates", 0}}; }

}  // namespace

TEST_CASE("transport: a request that arrives in pieces is read whole", "[server][transport]") {
  test_server srv;
  raw_connection c(srv.port());
  const std::string request = post_head(batch("fashion-cnn", json::array({prediction("piece-1")}))) +
                              batch("fashion-cnn", json::array({prediction("piece-1")}));
  // Through the request line, the headers and the body, with pauses in between.
  for (std::size_t at = 0; at < request.size(); at += 37) {
    c.send(request.substr(at, 37));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto [status, body] = c.response();
  CHECK(status == 200);
  CHECK(json::parse(body) == accepted(1));
}

TEST_CASE("transport: two requests in one packet get two answers, in order", "[server][transport]") {
  test_server srv;
  raw_connection c(srv.port());
  const std::string first = batch("fashion-cnn", {prediction("pipe-1"), prediction("pipe-2")});
  const std::string second = batch("fashion-cnn", json::array({prediction("pipe-3")}));
  c.send(post_head(first) + first + post_head(second) + second);
  auto [status1, body1] = c.response();
  auto [status2, body2] = c.response();
  CHECK(status1 == 200);
  CHECK(json::parse(body1) == accepted(2));
  CHECK(status2 == 200);
  CHECK(json::parse(body2) == accepted(1));
  CHECK(stored(srv.store_dir()).size() == 3);
}

TEST_CASE("transport: Expect: 100-continue is answered before the body is sent", "[server][transport]") {
  test_server srv;
  raw_connection c(srv.port());
  const std::string body = batch("fashion-cnn", json::array({prediction("expect-1")}));
  c.send(post_head(body, "Expect: 100-continue\r\n"));
  // The client waits for this before sending its body: the server must not hold it back.
  CHECK(c.read_through("\r\n\r\n").rfind("HTTP/1.1 100 Continue", 0) == 0);
  c.send(body);
  const auto [status, answer] = c.response();
  CHECK(status == 200);
  CHECK(json::parse(answer) == accepted(1));
}

TEST_CASE("transport: a body many times the read buffer, then a small request on the same connection",
          "[server][transport]") {
  test_server srv;
  raw_connection c(srv.port());
  json records = json::array();
  for (int i = 0; i < 2000; ++i) records.push_back(prediction("big-" + std::to_string(i)));
  const std::string big = batch("fashion-cnn", records);
  REQUIRE(big.size() > 4 * 64 * 1024);
  c.send(post_head(big) + big);
  auto [status, body] = c.response();
  CHECK(status == 200);
  CHECK(json::parse(body) == accepted(2000));
  const std::string small = batch("fashion-cnn", json::array({prediction("after-big")}));
  c.send(post_head(small) + small);
  std::tie(status, body) = c.response();
  CHECK(status == 200);
  CHECK(json::parse(body) == accepted(1));
}

TEST_CASE("transport: a client gone mid-request stores nothing and the server goes on", "[server][transport]") {
  test_server srv;
  {
    raw_connection c(srv.port());
    const std::string body = batch("fashion-cnn", json::array({prediction("gone-1")}));
    c.send(post_head(body) + body.substr(0, body.size() / 2));
  }  // closed with half the body sent
  raw_connection c(srv.port());
  const std::string body = batch("fashion-cnn", json::array({prediction("next-1")}));
  c.send(post_head(body) + body);
  const auto [status, answer] = c.response();
  CHECK(status == 200);
  const auto d = stored(srv.store_dir());
  REQUIRE(d.size() == 1);
  CHECK(d.ids[0] == "next-1");
}

TEST_CASE("transport: stop() does not wait for an idle keep-alive connection to time out", "[server][transport]") {
  // The keep-alive timeout is 2 s; the server looks at stop() every 100 ms while it waits.
  test_server srv;
  raw_connection c(srv.port());
  c.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  CHECK(c.response().first == 200);
  const auto t0 = std::chrono::steady_clock::now();
  srv.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));
}
