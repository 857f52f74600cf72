// loader.hpp — reads the store off the frame thread and hands immutable snapshots to it.
//
// Lifecycle:
//   1. loader L(store_dir);            starts the thread; it opens the store (errors land in
//                                      snapshot::error, never in an exception on the frame)
//   2. each frame: auto s = L.latest();   a shared_ptr<const snapshot>: read it without locks
//                  L.want(requests);       the series the visible charts need (cheap when equal
//                                          to the last call; wakes the thread when not)
//   3. ~loader()                       stops and joins the thread
//
// The thread polls store_source::data_version() about once a second; only when it changed
// does it re-read the runs list, the summaries of live or new runs (one query), and every
// point written since one global insertion-order cursor (points_since: one query for all
// series; each cached series appends its own, late points for old steps included). The
// cursor is taken with cursor_now() inside the first round's read snapshot, and every round
// that loads a series first advances it inside the same snapshot, so loads and growth never
// overlap or leave a gap. A live
// run's status is re-checked every 5 s even without a commit, so a dead writer reads
// "crashed". Series nobody wanted for ~30 polls are dropped. loader_core is the same work
// without a thread, for tests and benchmarks; its snapshot records the wants it answered.
#pragma once

#include "model/catalog.hpp"
#include "model/confusion.hpp"
#include "model/samples.hpp"
#include "model/series.hpp"
#include "model/store_source.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace tracker::ui {

// What a visible chart needs of one run's series.
struct series_want {
  std::string run_id;
  std::string key;
  x_axis axis = x_axis::step;
  double x0 = std::numeric_limits<double>::quiet_NaN();  // visible x-range; NaN: all
  double x1 = std::numeric_limits<double>::quiet_NaN();
  int width_px = 800;
  // NaN ranges ("all") compare equal, so an unchanged want is recognised as unchanged.
  bool operator==(const series_want& o) const {
    auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    return run_id == o.run_id && key == o.key && axis == o.axis && same(x0, o.x0) &&
           same(x1, o.x1) && width_px == o.width_px;
  }
};

using series_id = std::pair<std::string, std::string>;  // (run id, key)

// What a view needs of a run's stored objects (confusion matrices, tables, histograms):
// step < 0 asks for the run's object index only (keys, kinds, steps: no bodies); step >= 0
// for the body of `key` at that step. Bodies are read one at a time with reader::object().
struct object_want {
  std::string run_id;
  std::string key;
  std::int64_t step = -1;
  bool operator==(const object_want& o) const {
    return run_id == o.run_id && key == o.key && step == o.step;
  }
};
using object_id = std::tuple<std::string, std::string, std::int64_t>;  // (run, key, step)
// A body as read (error set when the store has no such object any more).
struct object_body {
  object_record record;
  std::string error;
  // Parsed on the loader thread, so the frame that first shows a step does not parse 10,000
  // cells or rows; empty when the body is another kind or does not parse (the view then
  // parses it itself and says why).
  std::shared_ptr<const metrics::confusion_matrix> confusion;  // kind "confusion_matrix"
  std::shared_ptr<const sample_table> table;                   // kind "table"
};

struct snapshot {
  std::uint64_t generation = 0;  // increases with every publication
  std::shared_ptr<const catalog> cat = std::make_shared<catalog>();
  std::map<series_id, std::shared_ptr<const series_data>> series;
  std::string error;                // the store could not be opened or read (shown in the window)
  bool loaded = false;              // the catalog was read at least once
  bool settled = false;             // every wanted series is loaded at the resolution it needs
  std::vector<series_want> served;  // the wants this snapshot answers (readiness checks it)
  // Object indexes of the runs views asked for, and the bodies they asked for.
  std::map<std::string, std::shared_ptr<const std::vector<object_info>>> object_index;
  std::map<object_id, std::shared_ptr<const object_body>> objects;
  std::vector<object_want> served_objects;
  std::shared_ptr<const series_data> find(const std::string& run, const std::string& key) const;
  const std::vector<object_info>* index_of(const std::string& run) const;
  std::shared_ptr<const object_body> body(const std::string& run, const std::string& key,
                                          std::int64_t step) const;
};

// What the views read from: the loader thread in the app, a synchronous feed in tests.
class data_feed {
 public:
  virtual ~data_feed() = default;
  virtual std::shared_ptr<const snapshot> latest() const = 0;
  virtual void want(std::vector<series_want> wants) = 0;
  virtual void want_objects(std::vector<object_want> /*wants*/) {}
  virtual void refresh_now() {}
};

class loader_core {
 public:
  explicit loader_core(store_source source);
  // Replaces the wanted series; returns true when it differs from the previous wants.
  bool set_wants(std::vector<series_want> wants);
  bool set_object_wants(std::vector<object_want> wants);
  // One round: refresh what changed, load what is wanted and missing. Returns true when a new
  // snapshot was published. Throws tracker::error when the store fails.
  bool poll();
  std::shared_ptr<const snapshot> latest() const { return snap_; }
  store_source& source() { return source_; }
  // How often the runs list is re-read while a run is live even without a commit, so a run
  // whose process died reads "crashed" (default 5 s).
  void set_live_recheck(std::chrono::milliseconds every) { live_recheck_ = every; }

 private:
  void refresh_catalog(std::uint64_t version);
  bool grow_live_series();
  bool wants_unloaded() const;
  bool load_objects(bool store_changed);
  bool load_wanted();
  void publish(bool settled);

  store_source source_;
  std::vector<series_want> wants_;
  std::vector<object_want> object_wants_;
  std::map<std::string, std::shared_ptr<const std::vector<object_info>>> index_cache_;
  std::map<object_id, std::shared_ptr<const object_body>> body_cache_;
  std::map<object_id, std::uint64_t> body_wanted_;  // poll it was last wanted
  std::shared_ptr<const catalog> cat_;
  std::map<series_id, std::shared_ptr<series_data>> cache_;  // owned here, copied on publish
  std::map<series_id, std::uint64_t> last_wanted_;           // generation it was last wanted
  std::uint64_t version_ = 0;
  std::int64_t cursor_ = 0;  // the global points_since() cursor
  bool have_cursor_ = false;
  bool have_version_ = false;
  std::chrono::steady_clock::time_point last_runs_read_{};
  std::chrono::milliseconds live_recheck_{5000};
  std::shared_ptr<const snapshot> snap_ = std::make_shared<snapshot>();
  std::uint64_t generation_ = 0;  // of published snapshots
  std::uint64_t polls_ = 0;       // rounds of poll(), for eviction
};

class loader final : public data_feed {
 public:
  explicit loader(std::string store_dir,
                  std::chrono::milliseconds poll_interval = std::chrono::milliseconds(1000));
  ~loader();
  loader(const loader&) = delete;
  loader& operator=(const loader&) = delete;

  std::shared_ptr<const snapshot> latest() const override;
  void want(std::vector<series_want> wants) override;
  void want_objects(std::vector<object_want> wants) override;
  void refresh_now() override;  // poll at once (the "refresh" button)
  // Called on the loader thread after each new snapshot (the window wakes its event loop
  // with it, e.g. glfwPostEmptyEvent, so an idle window can sleep until data arrives).
  void on_publish(std::function<void()> notify);

 private:
  void run();
  // Stores new wants (series or objects) under the lock and wakes the thread.
  template <typename Want>
  void replace_wants(std::vector<Want>& current, std::vector<Want> wants);
  std::function<void()> notify_;
  std::string dir_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const snapshot> snap_ = std::make_shared<snapshot>();
  std::vector<series_want> wants_;
  std::vector<object_want> object_wants_;
  bool wants_changed_ = false;
  bool wake_ = false;
  bool stop_ = false;
  std::thread thread_;
};

// A data_feed without a thread: want() records, pump() polls. For tests and benchmarks that
// need to know exactly when the data arrived.
class sync_feed final : public data_feed {
 public:
  explicit sync_feed(store_source source) : core_(std::move(source)) {}
  std::shared_ptr<const snapshot> latest() const override { return core_.latest(); }
  void want(std::vector<series_want> wants) override { core_.set_wants(std::move(wants)); }
  void want_objects(std::vector<object_want> wants) override {
    core_.set_object_wants(std::move(wants));
  }
  bool pump() { return core_.poll(); }
  loader_core& core() { return core_; }

 private:
  loader_core core_;
};

}  // namespace tracker::ui
