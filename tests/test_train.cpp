#include <causalrec/data/data.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/metrics/metrics.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/preprocess/preprocess.hpp>
#include <causalrec/train/train.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../examples/custom_objective/mf_objective.hpp"
#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_train {

namespace cr = causalrec;
namespace nn = causalrec::nn;
namespace train = causalrec::train;

namespace {

/// Standardized, imputed synthetic classification data (double), split in train and test.
struct prepared {
    cr::matrix<double> x_train, x_test;
    cr::vector<double> y_train, y_test;
};

prepared make_data(std::size_t rows, std::uint64_t seed) {
    namespace pp = cr::preprocess;
    const auto gen = cr::data::make_classification<double>({.rows = rows, .categorical_features = 0, .seed = seed});
    auto [train_part, test_part] = cr::data::train_test_split(gen.data, {.test_fraction = 0.25, .seed = 1});
    auto prep = pp::pipeline(pp::simple_imputer{}, pp::standard_scaler{});
    prepared out;
    out.x_train = prep.fit_transform(train_part.features());
    out.x_test = prep.transform(test_part.features());
    out.y_train = train_part.labels();
    out.y_test = test_part.labels();
    return out;
}

auto small_model(std::size_t in, std::uint64_t seed) {
    auto model = nn::sequential(nn::dense<double>(in, 16), nn::relu<double>{}, nn::dense<double>(16, 8),
                                nn::relu<double>{}, nn::dense<double>(8, 1), nn::sigmoid<double>{});
    model.initialize(seed);
    return model;
}

std::vector<double> flat_parameters(auto& model) {
    std::vector<double> out;
    for (const auto& p : model.parameters()) out.insert(out.end(), p.value.begin(), p.value.end());
    return out;
}

}  // namespace

TEST_CASE("fit learns the logistic ground truth and records its history", "[train]") {
    const auto d = make_data(4000, 3);
    auto model = small_model(d.x_train.shape()[1], 1);
    const auto hist = train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>({.learning_rate = 1e-2}), d.x_train,
                                 d.y_train,
                                 {.epochs = 8,
                                  .batch_size = 32,
                                  .validation_split = 0.2,
                                  .seed = 5,
                                  .metrics = {train::metric(cr::metrics::roc_auc{}), train::metric(cr::metrics::accuracy{})},
                                  .verbose = 0});
    REQUIRE(hist.epochs() == 8);
    REQUIRE(hist.val_loss.size() == 8);
    REQUIRE(hist.metrics.at("roc_auc").size() == 8);
    REQUIRE(hist.metrics.at("val_accuracy").size() == 8);
    REQUIRE(hist.learning_rate.front() == 1e-2);
    CHECK(hist.loss.back() < hist.loss.front());
    const auto p = train::predict(model, d.x_test);
    REQUIRE(p.shape()[0] == d.x_test.shape()[0]);
    // The generator's model is logistic in these features: a small network gets close to its AUC.
    CHECK(cr::metrics::roc_auc_score(d.y_test, p) > 0.85);
    const auto eval = train::evaluate(model, cr::loss::binary_cross_entropy{}, d.x_test, d.y_test,
                                      {.metrics = {train::metric(cr::metrics::roc_auc{})}});
    CHECK(eval.metrics.at("roc_auc") == Catch::Approx(cr::metrics::roc_auc_score(d.y_test, p)).epsilon(1e-12));
    CHECK(eval.loss == Catch::Approx(cr::metrics::log_loss(d.y_test, p, {.eps = 1e-7})).epsilon(1e-9));
}

TEST_CASE("the same seed and thread count give bit-identical weights and history", "[train][determinism]") {
    const auto d = make_data(1500, 4);
    for (int threads : {1, 2}) {
        cr::set_num_threads(threads);
        auto run = [&] {
            auto model = small_model(d.x_train.shape()[1], 9);
            auto h = train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>({.learning_rate = 5e-3}), d.x_train,
                                d.y_train, {.epochs = 3, .batch_size = 64, .validation_split = 0.1, .seed = 2, .verbose = 0});
            return std::pair{flat_parameters(model), h};
        };
        const auto [w1, h1] = run();
        const auto [w2, h2] = run();
        REQUIRE(w1 == w2);
        REQUIRE(h1.loss == h2.loss);
        REQUIRE(h1.val_loss == h2.val_loss);
    }
    cr::set_num_threads(1);
}

TEST_CASE("a diverging loss stops training with numeric_error naming epoch and batch", "[train][errors]") {
    cr::matrix<double> x = {{1.0}, {2.0}, {3.0}, {4.0}};
    cr::vector<double> y = {1e3, 2e3, 3e3, 4e3};
    auto model = nn::sequential(nn::dense<double>(1, 1, {.seed = 1}));
    try {
        train::fit(model, cr::loss::mse{}, cr::optim::sgd<double>({.learning_rate = 1e3}), x, y, {.epochs = 50, .batch_size = 2, .verbose = 0});
        FAIL("expected numeric_error");
    } catch (const cr::numeric_error& e) {
        const std::string what = e.what();
        CHECK(what.find("epoch ") != std::string::npos);
        CHECK(what.find("batch ") != std::string::npos);
    }
}

TEST_CASE("fit rejects bad input with clear errors", "[train][errors]") {
    auto model = nn::sequential(nn::dense<double>(2, 1), nn::sigmoid<double>{});
    const cr::matrix<double> x = {{1, 2}, {3, 4}, {5, 6}};
    const cr::vector<double> y = {0, 1, 0};
    auto opt = cr::optim::adam<double>();
    const cr::loss::binary_cross_entropy bce;
    REQUIRE_THROWS_AS(train::fit(model, bce, opt, x, cr::vector<double>{0, 1}, {.verbose = 0}), cr::shape_error);
    REQUIRE_THROWS_AS(train::fit(model, bce, opt, x, y, {.epochs = 0, .verbose = 0}), cr::argument_error);
    REQUIRE_THROWS_AS(train::fit(model, bce, opt, x, y, {.validation_split = 1.5, .verbose = 0}), cr::argument_error);
    cr::matrix<double> with_nan = x;
    with_nan(1, 1) = std::nan("");
    REQUIRE_THROWS_AS(train::fit(model, bce, opt, with_nan, y, {.verbose = 0}), cr::numeric_error);
    REQUIRE_THROWS_AS(train::fit(model, bce, opt, x, cr::vector<double>{0, 1, 2}, {.verbose = 0}), cr::error);
    REQUIRE_THROWS_AS(train::fit(model, bce, opt, x, y, {.sample_weight = cr::vector<double>{1, -1, 1}, .verbose = 0}),
                      cr::numeric_error);
}

TEST_CASE("train_on_batch: one step per call, the optimizer's state carries over, as fit's batches", "[train][online]") {
    const auto d = make_data(256, 8);
    auto online = small_model(d.x_train.shape()[1], 4);
    auto batched = small_model(d.x_train.shape()[1], 4);
    cr::optim::adam<double> opt_online({.learning_rate = 1e-2}), opt_batched({.learning_rate = 1e-2});
    // Four mini-batches of 32 rows, in order: train_on_batch once each, against fit over the same rows
    // with batch size 32 and no shuffling.
    const std::size_t n = 128;
    cr::matrix<double> x = cr::make_matrix<double>(n, d.x_train.shape()[1]);
    cr::vector<double> y = cr::make_vector<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < x.shape()[1]; ++j) x(i, j) = d.x_train(i, j);
        y(i) = d.y_train(i);
    }
    std::vector<double> losses;
    for (std::size_t b = 0; b < 4; ++b) {
        cr::matrix<double> xb = cr::make_matrix<double>(32, x.shape()[1]);
        cr::vector<double> yb = cr::make_vector<double>(32);
        for (std::size_t i = 0; i < 32; ++i) {
            for (std::size_t j = 0; j < x.shape()[1]; ++j) xb(i, j) = x(b * 32 + i, j);
            yb(i) = y(b * 32 + i);
        }
        losses.push_back(train::train_on_batch(online, cr::loss::binary_cross_entropy{}, opt_online, xb, yb));
    }
    const auto h = train::fit(batched, cr::loss::binary_cross_entropy{}, opt_batched, x, y, {.epochs = 1, .batch_size = 32, .shuffle = false, .verbose = 0});
    CHECK(flat_parameters(online) == flat_parameters(batched));
    CHECK((losses[0] + losses[1] + losses[2] + losses[3]) / 4.0 == Catch::Approx(h.loss[0]).epsilon(1e-12));
}

TEST_CASE("early stopping stops after patience and restores the best weights", "[train][callbacks]") {
    const auto d = make_data(600, 6);
    auto model = small_model(d.x_train.shape()[1], 2);
    std::vector<std::vector<double>> weights_per_epoch;
    train::early_stopping stop({.monitor = "val_loss", .patience = 2, .restore_best_weights = true});
    // A learning rate this high makes validation loss bounce, so that stopping happens.
    const auto hist = train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::sgd<double>({.learning_rate = 3.0}), d.x_train, d.y_train,
                                 {.epochs = 60, .batch_size = 16, .validation_split = 0.3, .seed = 1, .verbose = 0}, stop,
                                 train::on_epoch_end([&](auto& ctx) { weights_per_epoch.push_back(flat_parameters(ctx.model)); }));
    REQUIRE(hist.epochs() < 60);
    REQUIRE(stop.stopped_epoch() == hist.epochs());
    // The best epoch is the minimum of val_loss, and at most `patience` epochs of no improvement follow it.
    const auto best = static_cast<std::size_t>(std::min_element(hist.val_loss.begin(), hist.val_loss.end()) - hist.val_loss.begin());
    REQUIRE(stop.best_epoch() == best);
    REQUIRE(hist.epochs() - 1 - best == 2);  // patience 2: the second epoch without improvement stops (as Keras)
    REQUIRE(flat_parameters(model) == weights_per_epoch[best]);
}

TEST_CASE("progress output: one line per epoch when not a terminal, nothing at verbosity 0", "[train][callbacks]") {
    const auto d = make_data(300, 7);
    auto model = small_model(d.x_train.shape()[1], 3);
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>(), d.x_train, d.y_train,
               {.epochs = 3, .validation_split = 0.2, .metrics = {train::metric(cr::metrics::accuracy{})}, .verbose = 0},
               train::progress_bar({.verbose = 1, .stream = out}));
    std::rewind(out);
    std::string text;
    char buf[512];
    while (std::fgets(buf, sizeof buf, out)) text += buf;
    std::fclose(out);
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n';
    CHECK(lines == 3);
    CHECK(text.find("Epoch 1/3") != std::string::npos);
    CHECK(text.find("Epoch 3/3") != std::string::npos);
    CHECK(text.find("loss: ") != std::string::npos);
    CHECK(text.find("val_accuracy: ") != std::string::npos);
}

TEST_CASE("csv logger, learning-rate schedule and full-batch gradient descent", "[train][callbacks]") {
    const auto d = make_data(400, 8);
    auto model = small_model(d.x_train.shape()[1], 4);
    const auto path = (std::filesystem::temp_directory_path() / "causalrec_train_log.csv").string();
    std::size_t batches = 0;
    const auto hist = train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::gd<double>({.learning_rate = 0.5}), d.x_train,
                                 d.y_train, {.epochs = 4, .validation_split = 0.25, .verbose = 0}, train::csv_logger(path),
                                 train::lr_scheduler(cr::optim::step_decay{.step_size = 2, .gamma = 0.1}),
                                 train::on_batch_end([&](auto&) { ++batches; }));
    CHECK(batches == 4);  // one batch per epoch
    REQUIRE(hist.learning_rate.size() == 4);
    CHECK(hist.learning_rate[0] == Catch::Approx(0.5));
    CHECK(hist.learning_rate[1] == Catch::Approx(0.5));
    CHECK(hist.learning_rate[2] == Catch::Approx(0.05));
    CHECK(hist.learning_rate[3] == Catch::Approx(0.05));
    std::ifstream f(path);
    std::string header, row;
    std::getline(f, header);
    CHECK(header == "epoch,loss,val_loss");
    std::size_t rows = 0;
    while (std::getline(f, row)) ++rows;
    CHECK(rows == 4);
    const std::string csv = hist.csv();
    CHECK(csv.rfind("epoch,loss,val_loss,learning_rate,seconds\n1,", 0) == 0);
}

TEST_CASE("sigmoid + cross-entropy is differentiated through the logits", "[train][fused]") {
    // One step of plain SGD from the same weights: the fused path's update equals the finite-difference
    // gradient of the probability-space loss (where that loss is well conditioned).
    cr::rng engine(3);
    auto x = cr::make_matrix<double>(6, 3);
    for (auto& v : x) v = engine.normal();
    const cr::vector<double> y = {1, 0, 1, 1, 0, 0};
    auto model = nn::sequential(nn::dense<double>(3, 4, {.seed = 1}), nn::tanh<double>{}, nn::dense<double>(4, 1, {.seed = 2}),
                                nn::sigmoid<double>{});
    auto before = flat_parameters(model);
    const double lr = 1e-3;
    train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::sgd<double>({.learning_rate = lr}), x, y,
               {.epochs = 1, .batch_size = 6, .shuffle = false, .verbose = 0});
    const auto after = flat_parameters(model);
    // Finite differences of the mean BCE (probability form) at the starting weights.
    auto reference = nn::sequential(nn::dense<double>(3, 4, {.seed = 1}), nn::tanh<double>{},
                                    nn::dense<double>(4, 1, {.seed = 2}), nn::sigmoid<double>{});
    const auto params = reference.parameters();
    auto loss_at = [&] {
        const auto& p = reference.forward(x);
        double s = 0;
        for (std::size_t i = 0; i < 6; ++i) s -= y(i) * std::log(p(i, 0)) + (1 - y(i)) * std::log(1 - p(i, 0));
        return s / 6;
    };
    std::size_t k = 0;
    for (const auto& p : params)
        for (std::size_t i = 0; i < p.value.size(); ++i, ++k) {
            const double keep = p.value[i], h = 1e-6;
            p.value[i] = keep + h;
            const double up = loss_at();
            p.value[i] = keep - h;
            const double down = loss_at();
            p.value[i] = keep;
            const double numeric = (up - down) / (2 * h);
            const double analytic = (before[k] - after[k]) / lr;
            CHECK(std::abs(numeric - analytic) <= 1e-6 * std::max(1e-8, std::abs(numeric)) + 1e-9);
        }
    // Far in the tails the probability form loses everything (p rounds to 1) but the logits form does not.
    auto sharp = nn::sequential(nn::dense<double>(1, 1, {.init = nn::initializer::zeros, .seed = 1}), nn::sigmoid<double>{});
    sharp.layer<0>().bias()(0) = 40.0;  // logit 40: p = 1 - 4.2e-18 rounds to 1 in double
    const auto eval = train::evaluate(sharp, cr::loss::binary_cross_entropy{}, cr::matrix<double>{{0.0}}, cr::vector<double>{0.0});
    CHECK(eval.loss == Catch::Approx(40.0).epsilon(1e-12));  // -log(1 - sigmoid(40)) = 40 + log1p(exp(-40))
}

TEST_CASE("predict matches forward and works with any batch size", "[train]") {
    auto model = small_model(5, 11);
    cr::rng engine(1);
    auto x = cr::make_matrix<double>(37, 5);
    for (auto& v : x) v = engine.normal();
    const auto all = train::predict(model, x, {.batch_size = 100});
    const auto small = train::predict(model, x, {.batch_size = 8});
    REQUIRE(all.shape()[0] == 37);
    for (std::size_t i = 0; i < 37; ++i) CHECK(all(i, 0) == Catch::Approx(small(i, 0)).epsilon(1e-14));
    REQUIRE_THROWS_AS(train::predict(model, x, {.batch_size = 0}), cr::argument_error);
}

namespace {

/// A layer without an inference pass (only the Layer concept): predict must fall back to forward.
struct doubling_layer {
    using value_type = double;
    cr::matrix<double> out = cr::make_matrix<double>(0, 0);
    const cr::matrix<double>& forward(const cr::matrix<double>& x) {
        out = 2.0 * x;
        return out;
    }
    const cr::matrix<double>& backward(const cr::matrix<double>& g) { return g; }
    std::array<cr::parameter_view<double>, 0> parameters() { return {}; }
};

/// forward's output for every row, one forward call for the whole matrix.
template <class M>
cr::matrix<float> forward_all(M& model, const cr::matrix<float>& x) {
    model.set_training(false);
    return model.forward(x);
}

}  // namespace

TEST_CASE("predict runs the inference pass: the same values as forward, in place where it can", "[train][inference]") {
    cr::rng engine(3);
    auto x = cr::make_matrix<float>(300, 6);
    for (auto& v : x) v = static_cast<float>(engine.normal());
    // The seed model's shape: dense, relu, dense, relu, dense to one output, sigmoid.
    auto seed = nn::sequential(nn::dense<float>(6, 16, {.seed = 1}), nn::relu<float>{}, nn::dense<float>(16, 8, {.seed = 2}),
                               nn::relu<float>{}, nn::dense<float>(8, 1, {.seed = 3}), nn::sigmoid<float>{});
    static_assert(decltype(seed)::has_inference && nn::InferenceModel<decltype(seed), float>);
    REQUIRE(seed.inference_width(6) == 1);
    const auto via_forward = forward_all(seed, x);  // one block of 300 rows
    const auto via_infer = train::predict(seed, x, {.batch_size = 300});
    REQUIRE(via_infer.shape() == via_forward.shape());
    for (std::size_t i = 0; i < x.shape()[0]; ++i) CHECK(via_infer(i, 0) == Catch::Approx(via_forward(i, 0)).epsilon(1e-6));  // sums in another order

    // Dropout (the identity at inference), a layer starting on the user's rows (tanh: it must not write
    // into X) and a softmax last, over a block size that leaves a short last block.
    auto mixed = nn::sequential(nn::tanh<float>{}, nn::dense<float>(6, 5, {.seed = 4}), nn::dropout<float>(0.5, 9),
                                nn::dense<float>(5, 3, {.seed = 5}), nn::softmax<float>{});
    const cr::matrix<float> x_before = x;
    const auto expected = forward_all(mixed, x);
    const auto got = train::predict(mixed, x, {.batch_size = 64});
    REQUIRE(got.shape() == expected.shape());
    CHECK(std::equal(x.begin(), x.end(), x_before.begin()));
    for (std::size_t i = 0; i < x.shape()[0]; ++i) {
        float row_sum = 0.0f;
        for (std::size_t j = 0; j < 3; ++j) {
            CHECK(got(i, j) == Catch::Approx(expected(i, j)).epsilon(1e-6));  // other block sizes: other BLAS blocking
            row_sum += got(i, j);
        }
        CHECK(row_sum == Catch::Approx(1.0f).epsilon(1e-6));
    }
    REQUIRE_THROWS_AS(train::predict(mixed, cr::make_matrix<float>(4, 7)), cr::shape_error);

    // A model with a layer that has no inference pass falls back to forward.
    auto custom = nn::sequential(nn::dense<double>(2, 2, {.seed = 6}), doubling_layer{});
    static_assert(!decltype(custom)::has_inference && !nn::InferenceModel<decltype(custom), double>);
    const cr::matrix<double> xd{{1.0, 2.0}, {3.0, -1.0}};
    const auto fallback = train::predict(custom, xd);
    const auto direct = custom.forward(xd);
    REQUIRE(fallback.shape() == direct.shape());
    CHECK(std::equal(fallback.begin(), fallback.end(), direct.begin()));
    CHECK(fallback(0, 0) == 2.0 * (1.0 * custom.layer<0>().weight()(0, 0) + 2.0 * custom.layer<0>().weight()(1, 0)));
}

// ---- The Objective seam: a user-written objective (examples/custom_objective) trains with fit.


namespace {

std::vector<rating> small_ratings(std::uint64_t seed) {
    cr::rng engine(seed);
    std::vector<rating> out;
    for (std::size_t s = 0; s < 600; ++s) {
        const std::size_t u = engine.uniform_index(30), i = engine.uniform_index(20);
        out.push_back({u, i, static_cast<float>(0.2 * static_cast<double>(u % 5) - 0.1 * static_cast<double>(i % 3))});
    }
    return out;
}

/// A user optimizer that ignores touched_rows (the docs' minimal example): not allowed on sparse parameters.
struct plain_descent {
    double rate = 0.1;
    void step(std::span<const cr::parameter_view<float>> params) {
        for (const auto& p : params)
            for (std::size_t i = 0; i < p.size(); ++i) p.value[i] -= static_cast<float>(rate) * p.grad[i];
    }
    double learning_rate() const { return rate; }
    void set_learning_rate(double value) { rate = value; }
};

}  // namespace

TEST_CASE("objective: the example's gradient matches central finite differences", "[train][objective]") {
    mf_objective model(small_ratings(3), 30, 20, 4, 0.05f, 11);
    const std::vector<std::size_t> batch{0, 5, 17, 5, 42, 99};
    // Double-precision reference of the loss by finite differences on a few coordinates of each table.
    (void)model.loss_and_gradient(batch);
    const auto params = model.parameters();
    for (std::size_t k = 0; k < params.size(); ++k) {
        const auto& view = params[k];
        REQUIRE(view.sparse);
        REQUIRE_FALSE(view.touched_rows.empty());
        const std::size_t row = view.touched_rows[0];
        for (std::size_t f = 0; f < view.row_size; ++f) {
            const std::size_t at = row * view.row_size + f;
            const float analytic = view.grad[at];
            const float saved = view.value[at];
            const float h = 1e-2f;
            view.value[at] = saved + h;
            const double up = model.loss_and_gradient(batch);
            view.value[at] = saved - h;
            const double down = model.loss_and_gradient(batch);
            view.value[at] = saved;
            (void)model.loss_and_gradient(batch);
            CHECK(analytic == Approx((up - down) / (2.0 * h)).margin(2e-3));
        }
    }
}

TEST_CASE("objective: a user-written objective trains with fit, callbacks and any optimizer", "[train][objective]") {
    const auto ratings = small_ratings(5);
    std::size_t epochs_seen = 0, batches_seen = 0;
    auto each_epoch = train::on_epoch_end([&](auto& ctx) {
        ++epochs_seen;
        CHECK(ctx.samples == ratings.size());
        CHECK(ctx.batches_per_epoch == (ratings.size() + 31) / 32);
    });
    auto each_batch = train::on_batch_end([&](auto&) { ++batches_seen; });
    mf_objective a(ratings, 30, 20, 4, 0.01f, 1);
    const auto h = train::fit(a, cr::optim::adam<float>({.learning_rate = 0.02}), {.epochs = 25, .batch_size = 32, .verbose = 0},
                              each_epoch, each_batch);
    CHECK(epochs_seen == 25);
    CHECK(batches_seen == 25 * ((ratings.size() + 31) / 32));
    REQUIRE(h.loss.size() == 25);
    CHECK(h.loss.back() < 0.25 * h.loss.front());
    CHECK(h.learning_rate.size() == 25);

    // Any optimizer of optim:: trains it; early stopping on the training loss works as for a model.
    mf_objective b(ratings, 30, 20, 4, 0.01f, 1), c(ratings, 30, 20, 4, 0.01f, 1);
    const auto hb = train::fit(b, cr::optim::adagrad<float>({.learning_rate = 0.1}), {.epochs = 25, .batch_size = 32, .verbose = 0});
    const auto hc = train::fit(c, cr::optim::sgd<float>({.learning_rate = 0.1, .momentum = 0.9}), {.epochs = 25, .batch_size = 32, .verbose = 0},
                               train::early_stopping({.monitor = "loss", .min_delta = 1.0, .patience = 1}));
    CHECK(hb.loss.back() < 0.5 * hb.loss.front());
    CHECK(hc.loss.size() == 2);  // no epoch improves by 1.0: stopped after patience 1

    // Same seed, same result; another shuffling seed, another result.
    mf_objective d(ratings, 30, 20, 4, 0.01f, 1), e(ratings, 30, 20, 4, 0.01f, 1);
    const auto hd = train::fit(d, cr::optim::adam<float>({.learning_rate = 0.02}), {.epochs = 25, .batch_size = 32, .verbose = 0});
    const auto he = train::fit(e, cr::optim::adam<float>({.learning_rate = 0.02}), {.epochs = 25, .batch_size = 32, .seed = 9, .verbose = 0});
    CHECK(hd.loss == h.loss);
    CHECK(he.loss != h.loss);
}

TEST_CASE("objective: an optimizer that ignores sparse rows is refused for sparse parameters", "[train][objective][errors]") {
    mf_objective model(small_ratings(1), 30, 20, 4, 0.01f, 1);
    STATIC_REQUIRE(cr::optim::Optimizer<plain_descent, float>);
    STATIC_REQUIRE_FALSE(cr::optim::handles_sparse_rows_v<plain_descent>);
    STATIC_REQUIRE(cr::optim::handles_sparse_rows_v<cr::optim::adam<float>>);
    CHECK_THROWS_WITH(train::fit(model, plain_descent{}, {.epochs = 1, .verbose = 0}),
                      Catch::Contains("sparse") && Catch::Contains("sparse_rows"));
}

TEST_CASE("fit refuses an empty training set and invalid validation targets", "[train][errors]") {
    auto model = small_model(3, 1);
    const cr::matrix<double> none = cr::make_matrix<double>(0, 3);
    const cr::vector<double> no_labels = cr::make_vector<double>(0);
    CHECK_THROWS_AS(train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>(), none, no_labels, {.verbose = 0}),
                    cr::argument_error);
    cr::matrix<double> x = cr::make_matrix<double>(4, 3);
    std::fill(x.begin(), x.end(), 0.5);
    cr::vector<double> y = cr::make_vector<double>(4);
    std::fill(y.begin(), y.end(), 1.0);
    train::validation_data<double> bad{x, cr::make_matrix<double>(4, 1)};
    std::fill(bad.y.begin(), bad.y.end(), 2.0);  // not a probability: binary cross-entropy refuses it
    CHECK_THROWS_AS(train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>(), x, y,
                               {.validation = bad, .verbose = 0}),
                    cr::error);
    bad.y(1, 0) = std::nan("");
    CHECK_THROWS_AS(train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>(), x, y,
                               {.validation = bad, .verbose = 0}),
                    cr::numeric_error);
    cr::matrix<double> y_bad = cr::make_matrix<double>(4, 1);
    std::fill(y_bad.begin(), y_bad.end(), std::nan(""));
    CHECK_THROWS_AS(train::evaluate(model, cr::loss::binary_cross_entropy{}, x, y_bad), cr::numeric_error);
}

TEST_CASE("lbfgs trains a logistic regression through fit to a zero gradient", "[train][lbfgs]") {
    // Convex problem: the minimiser of the mean cross-entropy is certified by its gradient being zero.
    const auto d = make_data(400, 21);
    const std::size_t in = d.x_train.shape()[1];
    auto model = nn::sequential(nn::dense<double>(in, 1), nn::sigmoid<double>{});
    model.initialize(3);
    const auto h = train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::lbfgs<double>({.max_iterations = 50}),
                              d.x_train, d.y_train, {.epochs = 4, .verbose = 0});
    REQUIRE(h.loss.size() == 4);
    CHECK(h.loss.back() < h.loss.front());
    // One more evaluation at the solution: every gradient entry is (numerically) zero.
    const cr::matrix<double> targets = cr::data::as_column(d.y_train);
    train::supervised_objective objective(model, cr::loss::binary_cross_entropy{}, d.x_train, targets);
    std::vector<std::size_t> all(d.x_train.shape()[0]);
    std::iota(all.begin(), all.end(), std::size_t{0});
    (void)objective.loss_and_gradient(all);
    double worst = 0.0;
    for (const auto& p : model.parameters())
        for (const double g : p.grad) worst = std::max(worst, std::abs(g));
    CHECK(worst < 1e-6);
}

TEST_CASE("train: error messages start with causalrec::train::<function>", "[train][messages]") {
    CHECK_THROWS_WITH(train::early_stopping({.min_delta = -1.0}), Catch::Matchers::StartsWith("causalrec::train::early_stopping: "));
}

}  // namespace causalrec_test_train
