// Parity with PyTorch, C++ half: trains the seed architecture with train::fit and writes everything
// tests/support/torch_parity.py needs to train the same model in PyTorch from the same initial
// weights on the same batches, and the results it compares against. CTest runs this case as a
// fixture (test_torch_parity_write) and the script after it (test_torch_parity_compare); both are
// registered only when /usr/bin/python3 has torch and numpy (tests/CMakeLists.txt).
//
// Files written to $CAUSALREC_PARITY_DIR (a temporary folder when the variable is unset):
//   parity_input.safetensors   X_train (n_train, 16) F32, y_train (n_train) F32, X_val, y_val,
//                              the initial parameters "layer<i>.weight" (in, out) / "layer<i>.bias" (out),
//                              batch_order (epochs, n_train) I64: the rows of every batch of every
//                              epoch, in the order fit visits them, batch_sizes (batches per epoch) I64;
//                              metadata: epochs, batch_size, lr, seed, loss, optimizer.
//   parity_result.safetensors  loss (epochs) F64 and val_loss (epochs) F64 as fit recorded them, and the
//                              final parameters under the same names as the initial ones.
#include <causalrec/core/fpenv.hpp>
#include <causalrec/data/data.hpp>
#include <causalrec/io/io.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/train.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "catch.hpp"

namespace cr = causalrec;
namespace nn = causalrec::nn;
namespace train = causalrec::train;

namespace {

constexpr std::size_t rows = 3000;
constexpr std::size_t features = 16;
/// 2,410 training rows: 75 full batches of 32 and a last batch of 10, so the replay also covers the
/// smaller tail batch (the loss is a mean over the rows of the batch actually seen).
constexpr std::size_t train_rows = 2410;
constexpr std::size_t epochs = 5;
constexpr std::size_t batch_size = 32;
constexpr std::uint64_t shuffle_seed = 17;
constexpr std::uint64_t init_seed = 7;
constexpr double learning_rate = 1e-3;

/// Deterministic binary data: N(0, 1) features, labels drawn from a logistic model of them.
struct parity_data {
    cr::matrix<float> x_train, x_val;
    cr::vector<float> y_train, y_val;
};

parity_data make_data() {
    cr::rng engine(2024);
    std::vector<double> w(features);
    for (auto& v : w) v = 1.5 * engine.normal() / std::sqrt(static_cast<double>(features));
    cr::matrix<float> x = cr::make_matrix<float>(rows, features);
    cr::vector<float> y = cr::make_vector<float>(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        double z = 0.25;
        for (std::size_t j = 0; j < features; ++j) {
            x(i, j) = static_cast<float>(engine.normal());
            z += w[j] * static_cast<double>(x(i, j));
        }
        y(i) = engine.bernoulli(1.0 / (1.0 + std::exp(-z))) ? 1.0f : 0.0f;
    }
    const auto x_rows = [&](std::size_t begin, std::size_t end) {
        cr::matrix<float> out = cr::make_matrix<float>(end - begin, features);
        std::copy(x.data() + begin * features, x.data() + end * features, out.data());
        return out;
    };
    const auto y_rows = [&](std::size_t begin, std::size_t end) {
        cr::vector<float> out = cr::make_vector<float>(end - begin);
        std::copy(y.data() + begin, y.data() + end, out.data());
        return out;
    };
    return {x_rows(0, train_rows), x_rows(train_rows, rows), y_rows(0, train_rows), y_rows(train_rows, rows)};
}

/// The seed architecture: 16 -> Dense 128 relu -> Dense 64 relu -> Dense 1 sigmoid, float32.
auto make_model() {
    auto model = nn::sequential(nn::dense<float>(features, 128), nn::relu<float>{}, nn::dense<float>(128, 64),
                                nn::relu<float>{}, nn::dense<float>(64, 1), nn::sigmoid<float>{});
    model.initialize(init_seed);
    return model;
}

/// Adds every parameter of `model` under its model-file name ("layer0.weight" (in, out), ...).
template <class Model>
void add_parameters(cr::io::tensor_file& file, Model& model) {
    for (const auto& [name, p] : model.named_parameters())
        file.add<float>(name, std::span<const float>(p.value.data(), p.value.size()),
                        std::vector<std::size_t>(p.shape.begin(), p.shape.end()));
}

/// Largest absolute difference between the parameters of two models of the same architecture.
template <class Model>
double max_parameter_difference(Model& a, Model& b) {
    const auto pa = a.parameters();
    const auto pb = b.parameters();
    REQUIRE(pa.size() == pb.size());
    double worst = 0.0;
    for (std::size_t k = 0; k < pa.size(); ++k) {
        REQUIRE(pa[k].size() == pb[k].size());
        for (std::size_t i = 0; i < pa[k].size(); ++i)
            worst = std::max(worst, std::abs(static_cast<double>(pa[k].value[i]) - static_cast<double>(pb[k].value[i])));
    }
    return worst;
}

std::filesystem::path output_dir() {
    const char* env = std::getenv("CAUSALREC_PARITY_DIR");
    const std::filesystem::path dir = env && *env ? std::filesystem::path(env)
                                                  : std::filesystem::temp_directory_path() / "causalrec_torch_parity";
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("torch parity: fit writes the inputs and results of the PyTorch comparison", "[torch_parity]") {
    const parity_data d = make_data();
    const cr::matrix<float> y_train = cr::data::as_column(d.y_train);
    const cr::matrix<float> y_val = cr::data::as_column(d.y_val);
    auto model = make_model();
    const std::filesystem::path dir = output_dir();

    // The batch order of every epoch. fit (train/fit.hpp) builds its iterator as
    //   data::batch_iterator<T>(X_train, Y_train, {.batch_size = batch_size, .shuffle = options.shuffle,
    //                                              .seed = options.seed})
    // over the whole training set when explicit validation data are given (no rows held out, so the
    // indices are rows of X_train) and no sample weights (which do not affect the order anyway), with
    // drop_last left false, and calls start_epoch(epoch) for epoch = 0, 1, ... The iterator below is
    // built with the same options, so indices() gives exactly the rows fit gathers for each batch.
    // The replay at the end of this case checks that claim by training on these indices.
    std::vector<std::int64_t> order;
    std::vector<std::int64_t> sizes;
    cr::data::batch_iterator<float> batches(d.x_train, y_train,
                                            {.batch_size = batch_size, .shuffle = true, .seed = shuffle_seed});
    for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
        for (batches.start_epoch(epoch); batches.next();) {
            const auto rows_of_batch = batches.indices();
            for (const std::size_t r : rows_of_batch) order.push_back(static_cast<std::int64_t>(r));
            if (epoch == 0) sizes.push_back(static_cast<std::int64_t>(rows_of_batch.size()));
        }
    }
    REQUIRE(order.size() == epochs * train_rows);
    REQUIRE(sizes.size() == batches.batches_per_epoch());
    REQUIRE(sizes.back() == static_cast<std::int64_t>(train_rows % batch_size));

    cr::io::tensor_file input;
    input.metadata["epochs"] = std::to_string(epochs);
    input.metadata["batch_size"] = std::to_string(batch_size);
    input.metadata["lr"] = std::to_string(learning_rate);
    input.metadata["seed"] = std::to_string(shuffle_seed);
    input.metadata["loss"] = "binary_cross_entropy (fit: through the logits)";
    input.metadata["optimizer"] = "adam";
    input.add("X_train", d.x_train).add("y_train", d.y_train).add("X_val", d.x_val).add("y_val", d.y_val);
    input.add<std::int64_t>("batch_order", order, {epochs, train_rows});
    input.add<std::int64_t>("batch_sizes", sizes, {sizes.size()});
    add_parameters(input, model);
    cr::io::save_safetensors(dir / "parity_input.safetensors", input);

    const cr::loss::binary_cross_entropy bce;
    const auto hist = train::fit(model, bce, cr::optim::adam<float>({.learning_rate = learning_rate}), d.x_train, y_train,
                                 {.epochs = epochs,
                                  .batch_size = batch_size,
                                  .validation = train::validation_data<float>{d.x_val, y_val},
                                  .shuffle = true,
                                  .seed = shuffle_seed,
                                  .verbose = 0});
    REQUIRE(hist.val_loss.size() == epochs);
    REQUIRE(hist.loss.size() == epochs);
    CHECK(hist.val_loss.back() < hist.val_loss.front());

    cr::io::tensor_file result;
    result.add<double>("loss", hist.loss, {epochs});
    result.add<double>("val_loss", hist.val_loss, {epochs});
    add_parameters(result, model);
    cr::io::save_safetensors(dir / "parity_result.safetensors", result);

    // Replay: the same initial model trained on the recorded batches, step by step as fit does (the
    // logits path of a sigmoid model: forward to the logits, BCE from logits, backward through the
    // dense/relu layers, one Adam step). Same code on the same rows in the same order, so it must end
    // bit for bit where fit ended; a different batch order leaves differences of the order of the
    // learning rate.
    auto replay = make_model();
    cr::optim::adam<float> optimizer({.learning_rate = learning_rate});
    const auto params = replay.parameters();
    const cr::scoped_flush_denormals denormals;  // as fit
    constexpr std::size_t n_layers = decltype(replay)::size;
    cr::matrix<float> grad = cr::make_matrix<float>(0, 0);
    std::size_t pos = 0;
    for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
        for (const std::int64_t size : sizes) {
            const auto count = static_cast<std::size_t>(size);
            cr::matrix<float> xb = cr::make_matrix<float>(count, features);
            cr::matrix<float> yb = cr::make_matrix<float>(count, 1);
            for (std::size_t r = 0; r < count; ++r) {
                const auto row = static_cast<std::size_t>(order[pos + r]);
                std::copy_n(d.x_train.data() + row * features, features, xb.data() + r * features);
                yb(r, 0) = d.y_train(row);
            }
            pos += count;
            const cr::matrix<float>& logits = replay.template forward_first<n_layers - 1>(xb);
            (void)bce.value_and_gradient_from_logits(logits, yb, {}, grad);
            replay.template backward_first<n_layers - 1>(grad);
            optimizer.step(std::span<const cr::parameter_view<float>>(params));
        }
    }
    const double replay_difference = max_parameter_difference(model, replay);
    INFO("largest difference between fit's weights and the replay on the recorded batches: " << replay_difference);
    CHECK(replay_difference == 0.0);
}
