// fixture.hpp — a store the viewer's tests and screenshots share, written with the real
// tracker API (tracker::init / log / finish) into a directory.
//
//   project "fashion": 5 runs (cnn/mlp x lr), train/ and val/ and system/ metrics, 2,000 steps;
//                      "cnn-lr3e-3" has one spike (train/loss = 25 at step 1234);
//                      "mlp-lr1e-2" failed ("loss diverged").
//   project "known":   run "ramp", key "test/ramp" = step / 1000 for steps 0..1000, so a
//                      screenshot test knows where the line must be.
#pragma once

#include <string>
#include <vector>

namespace tracker_ui_test {

struct fixture_run {
  std::string id, name;
};

// Ids are fixed ("fx" + name), so colours and screenshots are the same on every run.
// Writes the fixture into store_dir (created if missing). Returns the runs in creation order.
std::vector<fixture_run> make_fixture_store(const std::string& store_dir);

}  // namespace tracker_ui_test
