// sender.cpp — the production logger's background thread: takes records out of the ring in
// chunks, sends them by kind through the sink, and decides what a failed attempt means.
//
//   ok         counted as sent (the answer's duplicates counted too)
//   retry      the same records again after a backoff: retry_initial, doubling to retry_max,
//              each wait jittered to 50-100 % so that many clients do not return in step
//   invalid    one record is bad (400): drop that record when the answer names it, else split
//              the batch in halves until the bad record is alone; everything else is sent
//   too_large  (413) split in halves; a single record too large is dropped
//   refused    (401, 404, ...) the batch is dropped: retrying cannot help
// Everything dropped is counted in stats().rejected and reported through report_error.
//
// Shutdown: close() (or the destructor) sets stop and a deadline. The sender keeps sending until
// the ring is empty or the deadline passes; every wait and every request is capped by the
// deadline, and whatever is still unsent then is counted as lost.
#include <tracker/tracker.hpp>

#include "logger_state.hpp"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

namespace tracker {
namespace {

using namespace production_detail;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// At most one message a second per kind of problem, saying how many were held back, so that a
// stream of bad records or a long outage cannot flood the error handler.
class throttled {
 public:
  void report(const std::string& message) {
    const auto now = clock::now();
    if (now - last_ < std::chrono::seconds(1)) {
      ++held_;
      return;
    }
    last_ = now;
    tracker::report_error(held_ ? message + " (" + std::to_string(held_) + " similar messages held back)" : message);
    held_ = 0;
  }

 private:
  clock::time_point last_{};
  std::uint64_t held_ = 0;
};

const char* to_string(buffer_policy p) { return p == buffer_policy::drop_oldest ? "drop_oldest" : "drop_newest"; }

class sender {
 public:
  explicit sender(production_logger::state& s) : s_(s), o_(s.opts), where_(s.sink->where()) {}

  void run() {
    const milliseconds tick = std::max(o_.max_delay, milliseconds(1));
    auto next = clock::now() + tick;
    for (;;) {
      {
        std::unique_lock lock(s_.mu);
        s_.wake.wait_until(lock, next, [&] {
          return s_.stop || s_.ring.approx_size() >= o_.batch_size || s_.flush_target > s_.ring.popped();
        });
        refresh_stop();
      }
      next = clock::now() + tick;
      report_drops(false);
      bool gave_up = false;
      while (!gave_up && s_.ring.approx_size() > 0) gave_up = !deliver_chunk();
      if (stopping_ && (gave_up || s_.ring.approx_size() == 0)) break;
    }
    // Past the deadline: what is still in the ring is lost (what the sender held is counted).
    entry e;
    std::uint64_t left = 0;
    while (s_.ring.try_pop(e)) ++left;
    s_.lost += left;
    report_drops(true);
    if (const std::uint64_t lost = s_.lost.load())
      report_error("production_logger: " + std::to_string(lost) + " records were not sent to " + where_ +
                   " within the shutdown timeout (" + std::to_string(o_.shutdown_timeout.count()) +
                   " ms) and are lost" + (last_failure_.empty() ? "" : "; last error: " + last_failure_));
  }

 private:
  void refresh_stop() {  // under s_.mu
    stopping_ = s_.stop;
    deadline_ = s_.stop_deadline;
  }

  // Pops up to batch_size entries and delivers them, predictions first (feedback joins in
  // either order, but this way it rarely has to wait for its prediction). False when the
  // shutdown deadline made it give up.
  bool deliver_chunk() {
    {
      std::lock_guard lock(s_.mu);
      s_.held_from = s_.ring.popped();  // before popping: see logger_state.hpp
    }
    batch b[3];
    for (int k = 0; k < 3; ++k) b[k].kind = static_cast<entry_kind>(k);
    entry e;
    for (std::size_t n = 0; n < o_.batch_size && s_.ring.try_pop(e); ++n) {
      batch& to = b[static_cast<int>(e.kind)];
      if (e.kind == entry_kind::feedback)
        to.feedback.push_back(std::move(std::get<production::feedback>(e.value)));
      else
        to.records.push_back(std::move(std::get<production::record>(e.value)));
    }
    bool ok = true;
    for (batch& one : b) {
      if (one.size() == 0) continue;
      if (ok)
        ok = deliver(one);
      else
        s_.lost += one.size();
    }
    {
      std::lock_guard lock(s_.mu);
      s_.held_from = std::numeric_limits<std::uint64_t>::max();
    }
    s_.done.notify_all();
    return ok;
  }

  // Sends one batch, splitting it as the answers require. False when it gave up at shutdown
  // (the unsent records are then counted as lost).
  bool deliver(batch& b) {
    if (b.kind != entry_kind::feedback && o_.model.empty()) {
      reject(b.size(), "no model is set (production_logger_options::model)");
      return true;
    }
    std::vector<std::pair<std::size_t, std::size_t>> work{{0, b.size()}};  // [first, count), last = next
    milliseconds delay = o_.retry_initial;
    while (!work.empty()) {
      const auto [first, count] = work.back();
      attempt a;
      try {
        a = s_.sink->send(b, first, count, stopping_ ? deadline_ : clock::now() + o_.request_timeout);
      } catch (const std::exception& e) {
        // Serializing failed (e.g. a string that is not UTF-8): a bad record, found by splitting.
        a.what = outcome::invalid;
        a.message = e.what();
      }
      ++s_.requests;
      if (a.what == outcome::retry) {
        if (!wait_to_retry(a.message, delay)) {
          std::uint64_t unsent = 0;
          for (const auto& w : work) unsent += w.second;
          s_.lost += unsent;
          return false;
        }
        ++s_.retries;
        delay = std::min(delay * 2, o_.retry_max);
        continue;
      }
      end_outage();
      delay = o_.retry_initial;
      work.pop_back();
      switch (a.what) {
        case outcome::ok:
          s_.duplicates += a.duplicates;
          s_.sent += count;
          break;
        case outcome::invalid:
        case outcome::too_large:
          if (count == 1) {
            reject(1, a.message);
          } else if (a.what == outcome::invalid && a.bad_record && *a.bad_record < count) {
            const std::size_t bad = *a.bad_record;
            reject(1, a.message);
            if (bad + 1 < count) work.emplace_back(first + bad + 1, count - bad - 1);
            if (bad > 0) work.emplace_back(first, bad);
          } else {
            const std::size_t half = count / 2;
            work.emplace_back(first + half, count - half);
            work.emplace_back(first, half);
          }
          break;
        case outcome::refused:
          reject(count, a.message);
          break;
        case outcome::retry:
          break;  // handled above
      }
    }
    return true;
  }

  // Sleeps before a retry; false when the shutdown deadline has passed.
  bool wait_to_retry(const std::string& failure, milliseconds delay) {
    last_failure_ = failure;
    if (failures_++ == 0)
      report_error("production_logger: sending to " + where_ + " failed (" + failure +
                   "); retrying with backoff, records stay buffered (up to " + std::to_string(o_.buffer_capacity) +
                   ", then " + to_string(o_.on_full) + ")");
    report_drops(false);
    std::unique_lock lock(s_.mu);
    refresh_stop();
    const auto now = clock::now();
    if (stopping_ && now >= deadline_) return false;
    const auto jittered = std::chrono::duration_cast<milliseconds>(delay * std::uniform_real_distribution<double>(0.5, 1.0)(rng_));
    auto until = now + std::max(jittered, milliseconds(1));
    if (stopping_) until = std::min(until, deadline_);
    const bool was_stopping = stopping_;
    s_.wake.wait_until(lock, until, [&] { return s_.stop && !was_stopping; });  // cut short by stop
    refresh_stop();
    return true;
  }

  void end_outage() {
    if (failures_ == 0) return;
    report_error("production_logger: sending to " + where_ + " works again after " + std::to_string(failures_) +
                 " failed attempts");
    failures_ = 0;
  }

  void reject(std::uint64_t n, const std::string& why) {
    s_.rejected += n;
    rejections_.report("production_logger: " + where_ + " refused " + std::to_string(n) +
                       (n == 1 ? " record" : " records") + " (dropped, not retried): " + why);
  }

  // Drops happen on the logging threads, which only count them; they are reported from here.
  void report_drops(bool now) {
    const std::uint64_t total = s_.dropped_newest.load() + s_.dropped_oldest.load();
    if (total == reported_drops_) return;
    if (!now && clock::now() - last_drop_report_ < std::chrono::seconds(1)) return;
    report_error("production_logger: buffer full (" + std::to_string(o_.buffer_capacity) + " records): dropped " +
                 std::to_string(total - reported_drops_) + " records (policy " + to_string(o_.on_full) + ", " +
                 std::to_string(total) + " in all)");
    reported_drops_ = total;
    last_drop_report_ = clock::now();
  }

  production_logger::state& s_;
  const production_logger_options& o_;
  const std::string where_;
  bool stopping_ = false;
  clock::time_point deadline_{};
  std::uint64_t failures_ = 0;  // failed attempts in the current outage
  std::string last_failure_;
  std::uint64_t reported_drops_ = 0;
  clock::time_point last_drop_report_{};
  throttled rejections_;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace

void production_logger::state::run() noexcept {
  try {
    sender(*this).run();
  } catch (const std::exception& e) {
    // Out of memory or a failing mutex: the logger stops sending; flush() will say false.
    report_error(std::string("production_logger: the sender thread stopped: ") + e.what());
  }
  std::lock_guard lock(mu);
  exited = true;
  done.notify_all();
}

}  // namespace tracker
