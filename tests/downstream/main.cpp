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
  std::printf("downstream ok: %lld points\n", s ? static_cast<long long>(s->count) : 0LL);
  return s && s->count == 3 ? 0 : 1;
}
