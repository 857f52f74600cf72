// store_sink.cpp — delivers a batch straight into a local store with production::store, for a
// serving process that has the store on its own disk and no `tracker serve` in between.
#include "sink.hpp"

#include <tracker/production_logger.hpp>

#include <algorithm>
#include <optional>

namespace tracker::production_detail {
namespace {

using clock = std::chrono::steady_clock;

class store_sink final : public sink {
 public:
  store_sink(std::string location, std::string model) : location_(std::move(location)), model_ref_(std::move(model)) {}

  std::string where() const override { return "store " + location_; }

  attempt send(batch& b, std::size_t first, std::size_t count, clock::time_point deadline) override {
    attempt a;
    try {
      // Opened on first use, on this (the sender's) thread: a store that is locked or not there
      // yet is a passing failure, retried like a server that is down.
      if (!store_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        store_.emplace(production::store::open(location_, std::clamp(left, std::chrono::milliseconds(1),
                                                                      std::chrono::milliseconds(5000))));
      }
      production::write_result r;
      if (b.kind == entry_kind::feedback) {
        // No model: the same join as POST /v1/feedback, on the prediction id of any model.
        r = store_->write_feedback({b.feedback.begin() + first, b.feedback.begin() + first + count});
      } else {
        // Resolved again after a failure, so a run created after the logger starts is found.
        if (!model_) model_ = store_->model(model_ref_);
        const auto kind = b.kind == entry_kind::reference ? production::record_kind::reference
                                                          : production::record_kind::prediction;
        // write() takes the records by value (it may store images and normalize labels): a
        // copy, so that a failed attempt can be repeated.
        r = store_->write(*model_, kind, {b.records.begin() + first, b.records.begin() + first + count});
      }
      a.accepted = r.accepted;
      a.duplicates = r.duplicates;
    } catch (const production::record_error& e) {
      a.what = outcome::invalid;
      if (e.index() < count) a.bad_record = e.index();
      a.message = e.what();
    } catch (const error& e) {
      a.message = e.what();
      if (e.code() == error_code::run_not_found || e.code() == error_code::run_ambiguous) {
        a.what = outcome::refused;
      } else if (e.code() == error_code::invalid_argument || e.code() == error_code::schema_too_new ||
                 e.code() == error_code::store_corrupt) {
        a.what = outcome::refused;
        store_.reset();
      } else {
        a.what = outcome::retry;  // timeout (locked), io_error, store_open_failed: try again later
        store_.reset();
      }
      model_.reset();
    } catch (const std::exception& e) {
      a.what = outcome::retry;
      a.message = e.what();
      store_.reset();
      model_.reset();
    }
    return a;
  }

 private:
  std::string location_;
  std::string model_ref_;
  std::optional<production::store> store_;
  std::optional<production::model_info> model_;
};

}  // namespace

std::unique_ptr<sink> make_store_sink(const production_logger_options& o) {
  return std::make_unique<store_sink>(o.store, o.model);
}

}  // namespace tracker::production_detail
