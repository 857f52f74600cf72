// watch.cpp — weight and gradient histograms and norms of a module's parameters.
//
// Compile cost: <torch/nn/module.h> (for named_parameters) is the one heavy include of the
// integration, about 10 s and 0.67 GB, still well under <torch/torch.h>. It lives in its own TU
// so that editing the evaluator does not recompile it.
#include <torch/nn/module.h>

#include <tracker/torch.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

namespace tracker::torch {

watcher::watcher(run& r, std::shared_ptr<::torch::nn::Module> module, watch_options options)
    : run_(&r), module_(std::move(module)), options_(options) {
  if (!module_)
    throw tracker::error(error_code::invalid_argument, "tracker::torch::watch: the module is null");
  if (options_.every_n_steps <= 0)
    throw tracker::error(error_code::invalid_argument,
                         "tracker::torch::watch: every_n_steps must be positive, got " +
                             std::to_string(options_.every_n_steps));
  if (options_.bins == 0)
    throw tracker::error(error_code::invalid_argument, "tracker::torch::watch: bins must be positive");
}

bool watcher::step(std::int64_t step) noexcept {
  if (!run_ || !module_ || step % options_.every_n_steps != 0) return false;
  log_now(step);
  return true;
}

namespace {

// Logs the histogram (optional) and the L2 norm of one tensor; returns the sum of squares.
double log_tensor(run& r, const std::string& name, const at::Tensor& t, const char* hist_prefix,
                  const char* norm_prefix, const watch_options& o, std::int64_t step) {
  at::Tensor values = t.detach().to(at::kCPU, at::kFloat).contiguous();
  const float* data = values.data_ptr<float>();
  const auto n = static_cast<std::size_t>(values.numel());
  double sum_sq = 0;
  for (std::size_t i = 0; i < n; ++i) sum_sq += static_cast<double>(data[i]) * data[i];
  if (o.histograms)
    metrics::log_histogram(r, std::string(hist_prefix) + name, metrics::make_histogram(data, n, o.bins), step);
  r.log(std::string(norm_prefix) + name, std::sqrt(sum_sq), step);
  return sum_sq;
}

}  // namespace

void watcher::log_now(std::int64_t step) noexcept {
  if (!run_ || !module_) return;
  try {
    ::torch::NoGradGuard no_grad;
    double grad_sum_sq = 0;
    bool any_grad = false;
    for (const auto& item : module_->named_parameters(/*recurse=*/true)) {
      const at::Tensor& p = item.value();
      if (options_.log_weights && p.defined())
        log_tensor(*run_, item.key(), p, "weights/", "weights_norm/", options_, step);
      if (options_.log_gradients && p.grad().defined()) {
        grad_sum_sq += log_tensor(*run_, item.key(), p.grad(), "gradients/", "gradients_norm/", options_, step);
        any_grad = true;
      }
    }
    if (any_grad) run_->log("gradients_norm/total", std::sqrt(grad_sum_sq), step);
  } catch (const std::exception& e) {
    // Through the user's error handler (rate-limited), never into the training loop.
    tracker::report_error("tracker::torch: watch failed at step " + std::to_string(step) + ": " + e.what());
  } catch (...) {
    tracker::report_error("tracker::torch: watch failed at step " + std::to_string(step));
  }
}

}  // namespace tracker::torch
