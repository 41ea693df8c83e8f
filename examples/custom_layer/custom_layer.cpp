// Plugging your own layer into a model: a plain struct with forward, backward and parameters — no base
// class, no virtual functions. Here a learned per-feature gate, y = x * sigmoid(g), placed in front of a
// small network and trained with fit() like any built-in layer (tests/test_nn.cpp checks a user layer's
// gradients against finite differences the same way).
#include <causalrec/causalrec.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <vector>

namespace cr = causalrec;
namespace nn = causalrec::nn;

/// y_ij = x_ij * sigmoid(g_j): one learned gate per input feature.
struct feature_gate {
    using value_type = float;

    explicit feature_gate(std::size_t features) : gate(features, 0.0f), grad(features, 0.0f), shape{features} {}

    const cr::matrix<float>& forward(const cr::matrix<float>& x) {
        input = &x;
        if (out.shape() != x.shape()) out = cr::make_matrix<float>(x.shape()[0], x.shape()[1]);  // once per batch shape
        for (std::size_t i = 0; i < x.shape()[0]; ++i)
            for (std::size_t j = 0; j < x.shape()[1]; ++j) out(i, j) = x(i, j) * sigmoid(gate[j]);
        return out;
    }

    const cr::matrix<float>& backward(const cr::matrix<float>& g) {
        const cr::matrix<float>& x = *input;
        if (dx.shape() != x.shape()) dx = cr::make_matrix<float>(x.shape()[0], x.shape()[1]);
        std::fill(grad.begin(), grad.end(), 0.0f);
        for (std::size_t i = 0; i < x.shape()[0]; ++i)
            for (std::size_t j = 0; j < x.shape()[1]; ++j) {
                const float s = sigmoid(gate[j]);
                dx(i, j) = g(i, j) * s;
                grad[j] += g(i, j) * x(i, j) * s * (1.0f - s);
            }
        return dx;
    }

    std::array<cr::parameter_view<float>, 1> parameters() { return {{{"gate", gate, grad, shape}}}; }

    static float sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }

    std::vector<float> gate, grad;
    std::array<std::size_t, 1> shape;
    const cr::matrix<float>* input = nullptr;
    cr::matrix<float> out = cr::make_matrix<float>(0, 0), dx = cr::make_matrix<float>(0, 0);
};
static_assert(nn::Layer<feature_gate, float>);

int main() {
    // Data where only the first 3 of 10 features matter.
    const auto gen = cr::data::make_classification<float>(
        {.rows = 6000, .numeric_features = 10, .categorical_features = 0, .irrelevant_fraction = 0.7, .missing_fraction = 0.0});
    auto prep = cr::preprocess::standard_scaler{};
    const cr::matrix<float> X = prep.fit_transform(gen.data.features());

    auto model = nn::sequential(feature_gate(10), nn::dense<float>(10, 32), nn::relu{}, nn::dense<float>(32, 1), nn::sigmoid{});
    model.initialize(1);
    const auto history = cr::train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam{{.learning_rate = 1e-2}}, X,
                                        gen.data.labels(), {.epochs = 15, .batch_size = 64, .validation_split = 0.2, .verbose = 0});
    std::cout << "val_loss after " << history.epochs() << " epochs: " << history.val_loss.back() << "\n";
    std::cout << "learned gates (the first 3 features are the informative ones):\n";
    double informative = 0.0, noise = 0.0;
    for (std::size_t j = 0; j < 10; ++j) {
        const float g = feature_gate::sigmoid(model.layer<0>().gate[j]);
        (gen.coefficients[j] != 0.0 ? informative : noise) += g;
        std::cout << "  x" << j << "  gate " << g << "  (true coefficient " << gen.coefficients[j] << ")\n";
    }
    informative /= 3.0;
    noise /= 7.0;
    std::cout << "mean gate: informative " << informative << ", uninformative " << noise << "\n";
    return informative > noise ? 0 : 1;
}
