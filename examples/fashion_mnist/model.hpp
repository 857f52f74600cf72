// model.hpp — the example's CNN. Includes LibTorch: include it only from torch TUs (train.cpp,
// and later a program that loads the saved model.pt with torch::load(net, path)).
//
//   input [N, 1, 28, 28], normalised with mean 0.2860, std 0.3530
//   conv 3x3 (16) + ReLU + max-pool 2  -> [N, 16, 14, 14]
//   conv 3x3 (32) + ReLU + max-pool 2  -> [N, 32, 7, 7]
//   fc 1568 -> 128 + ReLU, fc 128 -> 10 (logits)
#pragma once

#include <torch/torch.h>

namespace fashion_mnist {

inline constexpr double pixel_mean = 0.2860;  // of the training images scaled to [0, 1]
inline constexpr double pixel_std = 0.3530;

struct net_impl : ::torch::nn::Module {
  net_impl()
      : conv1(register_module("conv1", ::torch::nn::Conv2d(::torch::nn::Conv2dOptions(1, 16, 3).padding(1)))),
        conv2(register_module("conv2", ::torch::nn::Conv2d(::torch::nn::Conv2dOptions(16, 32, 3).padding(1)))),
        fc1(register_module("fc1", ::torch::nn::Linear(32 * 7 * 7, 128))),
        fc2(register_module("fc2", ::torch::nn::Linear(128, 10))) {}

  ::torch::Tensor forward(::torch::Tensor x) {
    x = ::torch::max_pool2d(::torch::relu(conv1->forward(x)), 2);
    x = ::torch::max_pool2d(::torch::relu(conv2->forward(x)), 2);
    x = ::torch::relu(fc1->forward(x.flatten(1)));
    return fc2->forward(x);
  }

  ::torch::nn::Conv2d conv1;
  ::torch::nn::Conv2d conv2;
  ::torch::nn::Linear fc1;
  ::torch::nn::Linear fc2;
};
TORCH_MODULE_IMPL(net, net_impl);  // net = a shared_ptr-like holder of net_impl

inline constexpr const char* model_description = "cnn: conv3x3(16)-pool, conv3x3(32)-pool, fc128, fc10";

}  // namespace fashion_mnist
