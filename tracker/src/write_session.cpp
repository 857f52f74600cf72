#include "write_session.hpp"

#include "error_report.hpp"
#include "key_registry.hpp"

namespace tracker::detail {

write_session write_session::open(const std::string& location, const run_request& request) {
  write_session s;
  s.writer_ = writer::for_store(location, request.lock_timeout);
  auto opened = s.writer_->open_run(request);
  s.channel_ = std::move(opened.channel);
  s.record_ = std::move(opened.record);
  s.max_step_ = opened.max_step;
  return s;
}

batch_result write_session::log_batch(std::span<const point_in> points, std::chrono::milliseconds timeout) noexcept {
  batch_result out;
  for (const point_in& p : points) {
    if (std::uint32_t key = intern_key(p.key)) {
      enqueue(key, p.step, p.value, p.time);
      ++out.accepted;
    } else {
      count_rejected();
      ++out.rejected;
    }
  }
  flush_outcome f = flush(timeout);
  out.committed = f.completed;
  out.lost = take_lost_news(f.lost);
  if (out.lost) out.committed = false;
  return out;
}

void write_session::log_object(object_record object, nlohmann::json body) noexcept {
  writer_->post_object(channel_, std::move(object), std::move(body));
}

void write_session::log_media(std::string relative_path, std::vector<std::uint8_t> bytes) noexcept {
  writer_->post_media(channel_, std::move(relative_path), std::move(bytes));
}

}  // namespace tracker::detail
