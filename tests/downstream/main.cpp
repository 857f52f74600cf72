#include <tracker/production.hpp>
#include <tracker/production_logger.hpp>
#include <tracker/query.hpp>
#include <tracker/system_monitor.hpp>
#include <tracker/tracker.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  auto run = tracker::init({.project = "downstream", .config = {{"lr", 1e-3}}, .store = argv[1]});
  for (int step = 0; step < 3; ++step) run.log({{"train/loss", 1.0 / (step + 1)}}, step);
  if (!tracker::system_sampler().sample().rss_mb) return 3;  // tracker::system, linked
  run.finish();
  auto s = tracker::reader::open(argv[1]).summary(run.id(), "train/loss");
  // tracker::production_logger, linked, in local-store mode: one prediction for the run.
  tracker::production_logger_options o;
  o.store = argv[1];
  o.model = run.id();
  tracker::production_logger logger(o);
  tracker::production::record r;
  r.id = "downstream-1";
  r.predicted = "cat";
  r.features = {{"brightness", 0.5}};
  logger.log_prediction(std::move(r));
  const tracker::production_logger_stats ps = logger.close();
  const auto d = tracker::production::read(tracker::reader::open(argv[1]), run.id(),
                                           tracker::production::record_kind::prediction);
  std::printf("downstream ok: %lld points, %zu prediction\n", s ? static_cast<long long>(s->count) : 0LL,
              d.size());
  return s && s->count == 3 && ps.sent == 1 && d.size() == 1 ? 0 : 1;
}
