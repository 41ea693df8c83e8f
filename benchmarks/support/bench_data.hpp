#pragma once
// The data of the speed benchmarks, shared by the single-process and the distributed programs so that
// both time the same job: the seed model's binary classification rows (as the PyTorch peer's
// common.make_binary_data) and the 1,000,000 explicit ratings of the matrix-factorisation protocol
// (../shared/bench/numpy_als.py). Each is generated once per process, from fixed seeds, or read from
// the .npy files a peer script wrote (CAUSALREC_MLP_DATA, CAUSALREC_MF_DATA: a directory), so that both
// sides time the same values.
#include <causalrec/core/rng.hpp>
#include <causalrec/core/tensor.hpp>
#include <causalrec/data/interactions.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "npy.hpp"

namespace causalrec_bench {

namespace cr = causalrec;

/// The value of an environment variable as a size, or `fallback` when it is not set.
inline std::size_t env_size(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v != nullptr ? static_cast<std::size_t>(std::stoull(v)) : fallback;
}

/// The directory named by an environment variable, or empty when it is not set.
inline std::string shared_data_dir(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? std::string(v) : std::string();
}

/// The ratings a peer script wrote to `dir`: users.npy, items.npy (int64), ratings.npy (float32) and
/// sizes.npy (int64: users, items).
inline cr::data::interactions read_ratings(const std::string& dir) {
    const auto users = read_npy<std::int64_t>(dir + "/users.npy").values;
    const auto items = read_npy<std::int64_t>(dir + "/items.npy").values;
    const auto values = read_npy<float>(dir + "/ratings.npy").values;
    const auto sizes = read_npy<std::int64_t>(dir + "/sizes.npy").values;
    if (users.size() != items.size() || users.size() != values.size() || sizes.size() != 2)
        throw std::runtime_error(dir + ": users, items and ratings differ in length, or sizes is not (users, items)");
    cr::data::interaction_columns c{.n_users = static_cast<std::size_t>(sizes[0]), .n_items = static_cast<std::size_t>(sizes[1])};
    c.users.assign(users.begin(), users.end());
    c.items.assign(items.begin(), items.end());
    c.values.assign(values.begin(), values.end());
    return cr::data::interactions(std::move(c));
}

/// The ratings, generated once: r = 3.5 + b_u + b_i + <p_u, q_i> + N(0, 0.3^2), clipped to [1, 5]
/// (or read from CAUSALREC_MF_DATA).
inline const cr::data::interactions& ratings() {
    static const cr::data::interactions log = [] {
        if (const std::string dir = shared_data_dir("CAUSALREC_MF_DATA"); !dir.empty()) {
            cr::data::interactions out = read_ratings(dir);
            (void)out.by_user();
            (void)out.by_item();
            return out;
        }
        const std::size_t n = env_size("CAUSALREC_MF_RATINGS", 1'000'000);
        const std::size_t users = env_size("CAUSALREC_MF_USERS", 10'000);
        const std::size_t items = env_size("CAUSALREC_MF_ITEMS", 5'000);
        const std::size_t rank = 16;
        cr::rng g(0);
        std::vector<double> P(users * rank), Q(items * rank), bu(users), bi(items);
        const double scale = 1.0 / std::sqrt(static_cast<double>(rank));
        for (double& x : P) x = g.normal() * scale;
        for (double& x : Q) x = g.normal() * scale;
        for (double& x : bu) x = 0.3 * g.normal();
        for (double& x : bi) x = 0.3 * g.normal();
        cr::data::interaction_columns c{.n_users = users, .n_items = items};
        c.users.resize(n);
        c.items.resize(n);
        c.values.resize(n);
        for (std::size_t r = 0; r < n; ++r) {
            const std::size_t u = g.uniform_index(users), i = g.uniform_index(items);
            double v = 3.5 + bu[u] + bi[i] + 0.3 * g.normal();
            for (std::size_t f = 0; f < rank; ++f) v += P[u * rank + f] * Q[i * rank + f];
            c.users[r] = u;
            c.items[r] = i;
            c.values[r] = std::clamp(v, 1.0, 5.0);
        }
        cr::data::interactions out(std::move(c));
        (void)out.by_user();  // the CSR views are built once, outside the timed epochs
        (void)out.by_item();
        return out;
    }();
    return log;
}

/// Features of the seed model's rows.
inline constexpr std::size_t features = 32;

/// 200,000 rows of N(0, 1) features with labels from a logistic model (as the peer's common.make_binary_data).
struct binary_data {
    cr::matrix<float> x;
    cr::vector<float> y;
};

inline const binary_data& data(std::size_t rows) {
    static binary_data d = [rows] {
        if (const std::string dir = shared_data_dir("CAUSALREC_MLP_DATA"); !dir.empty()) {  // x.npy, y.npy (float32)
            const auto x = read_npy<float>(dir + "/x.npy");
            const auto y = read_npy<float>(dir + "/y.npy");
            if (x.shape.size() != 2 || x.shape[1] != features || y.values.size() != x.shape[0])
                throw std::runtime_error(dir + ": x.npy must be (rows, 32) and y.npy (rows)");
            binary_data out{cr::make_matrix<float>(x.shape[0], features), cr::make_vector<float>(x.shape[0])};
            std::copy(x.values.begin(), x.values.end(), out.x.data());
            std::copy(y.values.begin(), y.values.end(), out.y.data());
            return out;
        }
        cr::rng engine(0);
        binary_data out{cr::make_matrix<float>(rows, features), cr::make_vector<float>(rows)};
        std::vector<double> w(features);
        for (auto& v : w) v = engine.normal() / std::sqrt(static_cast<double>(features));
        for (std::size_t i = 0; i < rows; ++i) {
            double z = 0.0;
            for (std::size_t j = 0; j < features; ++j) {
                out.x(i, j) = static_cast<float>(engine.normal());
                z += w[j] * out.x(i, j);
            }
            out.y(i) = engine.bernoulli(1.0 / (1.0 + std::exp(-2.0 * z))) ? 1.0f : 0.0f;
        }
        return out;
    }();
    return d;
}

}  // namespace causalrec_bench
