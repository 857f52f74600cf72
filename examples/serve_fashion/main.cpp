// main.cpp — the Fashion-MNIST model "in production", end to end:
//
//   serve_fashion [--store DIR] [--model RUN] [--url URL | --no-server] [--data DIR] [--clean N]
//                 [--shifted N] [--feedback-fraction F] [--flag-fraction F] [--seed N]
//
//   1. loads the model the Fashion-MNIST example saved with the run (object "model");
//   2. makes sure the run has its reference set (the training example records it; if not,
//      it is recorded here from the test set);
//   3. starts `tracker serve --port 0` (the binary beside this one), unless --url names one
//      (or --no-server: the client writes straight into the store);
//   4. plays traffic through tracker::production_logger: a clean phase of test images, then a
//      shifted phase (light backgrounds, noise, small rotations), with feedback labels for a
//      fraction of the requests and "incorrect" flags (with the image) for some wrong answers;
//   5. stops the server and prints the drift report of each phase (monitor::drift_report, the
//      JSON `tracker drift --format json` prints), then the commands to look at it yourself.
//
// The phases get timestamps an hour apart (clean: two hours ago, shifted: the last hour), so
// `tracker drift --until T` and `--since T` select them; T is printed.
#include "classifier.hpp"
#include "args.hpp"
#include "traffic.hpp"

#include <tracker/monitor.hpp>
#include <tracker/production.hpp>
#include <tracker/production_logger.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <nlohmann/json.hpp>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace prod = tracker::production;
using namespace serve_fashion;

const char* usage =
    "usage: serve_fashion [options]\n"
    "  --store DIR             tracker store (default $TRACKER_DIR, else ./tracker-store)\n"
    "  --model RUN             the training run whose model to serve (default latest)\n"
    "  --url URL               use this tracker serve instead of starting one\n"
    "  --no-server             no server: the client writes straight into the store\n"
    "  --data DIR              Fashion-MNIST *-ubyte.gz (default /usr/share/datasets/fashion-mnist)\n"
    "  --clean N               requests in the clean phase (default 2000)\n"
    "  --shifted N             requests in the shifted phase (default 2000)\n"
    "  --feedback-fraction F   share of requests whose user sends the true label (default 0.3)\n"
    "  --flag-fraction F       share of wrong answers a user flags (default 0.2)\n"
    "  --seed N                traffic order, feedback and shift (default 7)\n";

struct config {
  std::string store;
  std::string model = "latest";
  std::string url;
  bool no_server = false;
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::size_t clean = 2000;
  std::size_t shifted = 2000;
  double feedback_fraction = 0.3;
  double flag_fraction = 0.2;
  std::uint64_t seed = 7;
};

using fashion_mnist::parse_number;  // examples/fashion_mnist/args.hpp

// `tracker serve` as a child process; stopped with SIGTERM (it commits and exits 0).
class server_process {
 public:
  server_process(const std::string& tracker_binary, const std::string& store) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {tracker_binary, "serve", "--store", store, "--port", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, tracker_binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      throw std::runtime_error("cannot start " + tracker_binary + ": " + std::strerror(rc));
    }
    // The first line is "listening on http://HOST:PORT" once it accepts connections.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    const std::string prefix = "listening on ";
    const auto at = line.find(prefix);
    if (at == std::string::npos) {
      stop();
      throw std::runtime_error("tracker serve did not start (it printed: " + line + ")");
    }
    url_ = line.substr(at + prefix.size(), line.find('\n', at) - at - prefix.size());
  }
  ~server_process() { stop(); }
  const std::string& url() const { return url_; }
  int stop() {
    if (pid_ <= 0) return 0;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

// The store's media key of the model the training example saved with the run.
std::string model_key(const tracker::reader& rd, const std::string& run_id) {
  auto obj = rd.object(run_id, "model");
  if (!obj)
    throw std::runtime_error("run " + run_id + " has no saved model (object \"model\"); train it with the fashion_mnist example first");
  return nlohmann::json::parse(obj->body_json).at("path").get<std::string>();
}

// Records the reference set from the test set when training did not (older runs).
void ensure_reference(const std::string& store, const tracker::reader& rd, const prod::model_info& model,
                      const classifier& net, const labelled_images& test, const std::vector<std::string>& classes) {
  prod::window newest;
  newest.last = 1;
  const std::size_t have = prod::read(rd, model.run_id, prod::record_kind::reference, newest).size();
  if (have > 0) {
    std::cout << "reference: recorded by training (run " << model.run_id << ")\n";
    return;
  }
  const std::size_t n = std::min<std::size_t>(2000, test.images.size());
  std::vector<image> images(test.images.begin(), test.images.begin() + static_cast<std::ptrdiff_t>(n));
  const auto probs = net.predict(images);
  std::vector<prod::record> records(n);
  for (std::size_t i = 0; i < n; ++i) {
    records[i].id = "test/" + std::to_string(i);
    records[i].features = features_of(images[i]);
    records[i].probabilities = probs[i];
    records[i].label = classes[static_cast<std::size_t>(test.labels[i])];
  }
  prod::store s = prod::store::open(store);
  s.set_classes(model.run_id, classes);
  s.replace_reference(s.model(model.run_id), std::move(records));
  std::cout << "reference: recorded now from " << n << " test images\n";
}

prod::feedback feedback_of(const std::string& id, const std::string& label, const std::string& flag,
                           const std::string& reason, double time) {
  prod::feedback f;
  f.id = id;
  f.label = label;
  f.flag = flag;
  f.reason = reason;
  f.time = time;
  return f;
}

// Sends one phase of traffic; returns the share of correct answers.
double play(tracker::production_logger& log, const std::string& phase, const std::vector<std::size_t>& order,
            const labelled_images& test, const classifier& net, const std::vector<std::string>& classes, double start_time,
            double span_seconds, bool shift, const config& cfg, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::size_t correct = 0;
  constexpr std::size_t batch = 256;
  for (std::size_t b = 0; b < order.size(); b += batch) {
    std::vector<image> images;
    std::vector<std::int64_t> labels;
    for (std::size_t i = b; i < std::min(order.size(), b + batch); ++i) {
      images.push_back(shift ? shifted(test.images[order[i]], rng) : test.images[order[i]]);
      labels.push_back(test.labels[order[i]]);
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto probs = net.predict(images);
    const double latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
                              static_cast<double>(images.size());
    for (std::size_t k = 0; k < images.size(); ++k) {
      const std::size_t n = b + k;
      prod::record r;
      r.id = phase + "-" + std::to_string(n);
      r.time = start_time + span_seconds * static_cast<double>(n) / static_cast<double>(order.size());
      r.features = features_of(images[k]);
      r.probabilities = probs[k];
      const auto predicted = std::max_element(probs[k].begin(), probs[k].end()) - probs[k].begin();
      r.predicted = classes[static_cast<std::size_t>(predicted)];
      r.latency_ms = latency_ms;
      r.tags = {{"phase", phase}};
      const std::string truth = classes[static_cast<std::size_t>(labels[k])];
      const bool right = predicted == labels[k];
      correct += right;
      const bool flagged = !right && coin(rng) < cfg.flag_fraction;
      if (flagged) r.image_png = png_of(images[k]);  // the viewer shows flagged samples
      const std::string id = r.id;
      const double when = r.time + 30;  // the user answers half a minute later
      log.log_prediction(std::move(r));
      if (coin(rng) < cfg.feedback_fraction) log.log_feedback(feedback_of(id, truth, "", "", when));
      if (flagged) log.log_feedback(feedback_of(id, "", "incorrect", "the user says it is: " + truth, when));
    }
  }
  return order.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(order.size());
}

void print_phase(const std::string& title, const nlohmann::json& report) {
  std::vector<std::string> drifted;
  for (const auto& f : report.at("features"))
    if (f.value("drifted", false)) drifted.push_back(f.at("name").get<std::string>());
  std::string list;
  for (const auto& d : drifted) list += (list.empty() ? "" : ", ") + d;
  const auto& metrics = report.at("production_metrics");
  std::printf("%-14s %s (%zu of %zu features drifted%s%s), accuracy %.3f on %lld labelled requests\n", title.c_str(),
              report.at("dataset_drift").get<bool>() ? "DATASET DRIFT" : "no dataset drift", drifted.size(),
              report.at("features").size(), list.empty() ? "" : ": ", list.c_str(),
              metrics.value("accuracy", 0.0), static_cast<long long>(metrics.value("labeled", 0)));
}

int run(const config& cfg, const std::string& argv0) {
  const std::string store = cfg.store.empty() ? tracker::default_store_dir() : cfg.store;
  prod::model_info model;
  std::string key;
  std::vector<std::uint8_t> model_bytes;
  {
    const tracker::reader rd = tracker::reader::open(store);
    model = prod::read_model(rd, cfg.model);
    key = model_key(rd, model.run_id);
    auto bytes = rd.media(key);
    if (!bytes) throw std::runtime_error("the store has no file " + key + " (removed by hand?); train the model again");
    model_bytes = std::move(*bytes);
  }
  std::cout << "model: run " << model.run_id << " (" << model.run_name << "), " << key << "\n";
  const classifier net(model_bytes);
  const labelled_images test = load_test_set(cfg.data);
  const std::vector<std::string> classes = model.classes.size() == 10 ? model.classes
                                           : std::vector<std::string>{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  ensure_reference(store, tracker::reader::open(store), model, net, test, classes);

  std::optional<server_process> server;
  std::string url = cfg.url;
  if (url.empty() && !cfg.no_server) {
    server.emplace((fs::path(argv0).parent_path() / "tracker").string(), store);
    url = server->url();
  }
  std::cout << "server: " << (url.empty() ? "none (straight into " + store + ")" : url) << "\n";

  std::mt19937_64 rng(cfg.seed);
  std::vector<std::size_t> order(test.images.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  const std::size_t clean_n = std::min(cfg.clean, order.size());
  const std::size_t shifted_n = std::min(cfg.shifted, order.size() - clean_n);
  const std::vector<std::size_t> clean_order(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(clean_n));
  const std::vector<std::size_t> shifted_order(order.begin() + static_cast<std::ptrdiff_t>(clean_n),
                                               order.begin() + static_cast<std::ptrdiff_t>(clean_n + shifted_n));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double boundary = std::floor(now) - 3600;  // clean: [now-2h, boundary), shifted: [boundary, now)

  double clean_acc = 0, shifted_acc = 0;
  tracker::production_logger_stats stats;
  {
    tracker::production_logger_options o;
    if (url.empty())
      o.store = store;
    else
      o.url = url;
    o.model = model.run_id;
    tracker::production_logger log(o);
    clean_acc = play(log, "clean", clean_order, test, net, classes, boundary - 3600, 3599, false, cfg, rng);
    shifted_acc = play(log, "shifted", shifted_order, test, net, classes, boundary, 3599, true, cfg, rng);
    stats = log.close();
  }
  std::cout << "traffic: " << stats.sent << " records sent (" << stats.dropped << " dropped, " << stats.rejected
            << " rejected, " << stats.lost << " lost) in " << stats.requests << " requests; true accuracy clean "
            << clean_acc << ", shifted " << shifted_acc << "\n";
  if (server) {
    const int rc = server->stop();
    if (rc != 0) std::cerr << "serve_fashion: tracker serve exited with " << rc << "\n";
  }

  const tracker::reader rd = tracker::reader::open(store);
  const auto until = std::to_string(static_cast<long long>(boundary - 1));
  const auto since = std::to_string(static_cast<long long>(boundary));
  tracker::monitor::report_options clean_window, shifted_window;
  clean_window.window.until = boundary - 1e-3;
  shifted_window.window.since = boundary;
  const nlohmann::json clean_report = tracker::monitor::drift_report(rd, model.run_id, clean_window);
  const nlohmann::json shifted_report = tracker::monitor::drift_report(rd, model.run_id, shifted_window);
  std::cout << "\n## Shifted phase (tracker drift --model " << model.run_id << " --since " << since << ")\n\n"
            << tracker::monitor::to_markdown(shifted_report) << "\n";
  print_phase("clean phase:", clean_report);
  print_phase("shifted phase:", shifted_report);
  std::cout << "\nsee it yourself:\n"
            << "  tracker drift --store " << store << " --model " << model.run_id << " --until " << until << "\n"
            << "  tracker drift --store " << store << " --model " << model.run_id << " --since " << since << "\n"
            << "  tracker-ui --store " << store << " --view production --runs " << model.run_id << "\n";
  return stats.rejected == 0 && stats.lost == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  config cfg;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (a == "--no-server") {
      cfg.no_server = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "serve_fashion: %.*s needs a value (or is unknown)\n%s", static_cast<int>(a.size()), a.data(),
                   usage);
      return 2;
    }
    const std::string v(args[++i]);
    bool ok = true;
    if (a == "--store") cfg.store = v;
    else if (a == "--model") cfg.model = v;
    else if (a == "--url") cfg.url = v;
    else if (a == "--data") cfg.data = v;
    else if (a == "--clean") ok = parse_number(v, cfg.clean);
    else if (a == "--shifted") ok = parse_number(v, cfg.shifted);
    else if (a == "--seed") ok = parse_number(v, cfg.seed);
    else if (a == "--feedback-fraction") ok = parse_number(v, cfg.feedback_fraction) && cfg.feedback_fraction >= 0 && cfg.feedback_fraction <= 1;
    else if (a == "--flag-fraction") ok = parse_number(v, cfg.flag_fraction) && cfg.flag_fraction >= 0 && cfg.flag_fraction <= 1;
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "serve_fashion: bad option %.*s %s\n%s", static_cast<int>(a.size()), a.data(), v.c_str(), usage);
      return 2;
    }
  }
  try {
    return run(cfg, argv[0]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_fashion: %s\n", e.what());
    return 2;
  }
}
