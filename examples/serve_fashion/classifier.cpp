// classifier.cpp — the example's only translation unit that includes LibTorch.
#include "classifier.hpp"

#include <model.hpp>  // examples/fashion_mnist: the network and its input normalization

#include <sstream>

namespace serve_fashion {

struct classifier::impl {
  fashion_mnist::net net;
};

classifier::classifier(const std::vector<std::uint8_t>& model_bytes) : impl_(std::make_unique<impl>()) {
  std::istringstream in(std::string(model_bytes.begin(), model_bytes.end()));
  ::torch::load(impl_->net, in);
  impl_->net->eval();
}

classifier::~classifier() = default;

std::vector<std::vector<double>> classifier::predict(const std::vector<image>& images) const {
  ::torch::NoGradGuard no_grad;
  const auto n = static_cast<std::int64_t>(images.size());
  ::torch::Tensor x = ::torch::empty({n, 1, 28, 28}, ::torch::kUInt8);
  for (std::int64_t i = 0; i < n; ++i)
    std::memcpy(x[i].data_ptr<std::uint8_t>(), images[static_cast<std::size_t>(i)].data(), 28 * 28);
  x = (x.to(::torch::kFloat) / 255.0 - fashion_mnist::pixel_mean) / fashion_mnist::pixel_std;
  const ::torch::Tensor probs = impl_->net->forward(x).softmax(1).to(::torch::kDouble).contiguous();
  std::vector<std::vector<double>> out(images.size());
  const double* p = probs.data_ptr<double>();
  const std::int64_t classes = probs.size(1);
  for (std::int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)].assign(p + i * classes, p + (i + 1) * classes);
  return out;
}

}  // namespace serve_fashion
