// Trains a user-written objective (mf_objective.hpp: matrix factorisation with a popularity-aware
// penalty) with train::fit: Adam, then SGD with momentum, with early stopping and a lambda callback,
// exactly as a built-in model is trained. Prints the held-out RMSE of each against the mean rating.
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/train.hpp>

#include <cmath>
#include <cstdio>

#include "mf_objective.hpp"

namespace cr = causalrec;

namespace {

/// Ratings from a rank-4 truth with noise: 300 users x 200 items, 12,000 observed.
std::vector<rating> simulate(std::size_t users, std::size_t items, std::size_t n, std::uint64_t seed) {
    cr::rng engine(seed);
    std::vector<float> pu(users * 4), qi(items * 4);
    for (auto& v : pu) v = static_cast<float>(engine.normal());
    for (auto& v : qi) v = static_cast<float>(engine.normal());
    std::vector<rating> out;
    for (std::size_t s = 0; s < n; ++s) {
        const std::size_t u = engine.uniform_index(users), i = engine.uniform_index(items);
        float r = 3.0f + static_cast<float>(engine.normal(0.0, 0.3));
        for (std::size_t f = 0; f < 4; ++f) r += 0.5f * pu[u * 4 + f] * qi[i * 4 + f];
        out.push_back({u, i, r});
    }
    return out;
}

double rmse(const mf_objective& model, const std::vector<rating>& test, double offset) {
    double se = 0.0;
    for (const rating& r : test) {
        const double e = model.predict(r.user, r.item) + offset - r.value;
        se += e * e;
    }
    return std::sqrt(se / static_cast<double>(test.size()));
}

}  // namespace

int main() {
    const std::size_t users = 300, items = 200;
    std::vector<rating> all = simulate(users, items, 12000, 7);
    const std::vector<rating> test(all.end() - 2000, all.end());
    all.resize(all.size() - 2000);
    double mean = 0.0;
    for (const rating& r : all) mean += r.value;
    mean /= static_cast<double>(all.size());
    for (rating& r : all) r.value -= static_cast<float>(mean);  // the factors model the deviation

    double baseline = 0.0;
    for (const rating& r : test) baseline += (r.value - mean) * (r.value - mean);
    std::printf("held-out RMSE of the mean rating: %.4f\n", std::sqrt(baseline / static_cast<double>(test.size())));

    // The same objective trains with any optimizer and any callbacks.
    mf_objective with_adam(all, users, items, 8, 0.02f, 1);
    std::size_t epochs_run = 0;
    auto count = cr::train::on_epoch_end([&](auto&) { ++epochs_run; });
    const auto h1 = cr::train::fit(with_adam, cr::optim::adam<float>({.learning_rate = 0.01}),
                                   {.epochs = 30, .batch_size = 64, .verbose = 0}, count,
                                   cr::train::early_stopping({.monitor = "loss", .patience = 2}));
    std::printf("adam: %zu epochs, training loss %.4f -> %.4f, held-out RMSE %.4f\n", epochs_run, h1.loss.front(),
                h1.loss.back(), rmse(with_adam, test, mean));

    mf_objective with_sgd(all, users, items, 8, 0.02f, 1);
    const auto h2 = cr::train::fit(with_sgd, cr::optim::sgd<float>({.learning_rate = 0.05, .momentum = 0.9}),
                                   {.epochs = 30, .batch_size = 64, .verbose = 0});
    std::printf("sgd + momentum: training loss %.4f -> %.4f, held-out RMSE %.4f\n", h2.loss.front(), h2.loss.back(),
                rmse(with_sgd, test, mean));
    return h1.loss.back() < h1.loss.front() && h2.loss.back() < h2.loss.front() ? 0 : 1;
}
