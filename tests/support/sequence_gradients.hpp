#pragma once
// Gradient-check helpers shared by the sequence-model tests (test_rec_sequential*.cpp).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace {

// Largest relative error |a - n| / max(|a|, |n|, 1e-2) between the analytic gradient in `params`
// (taken before the loop) and central differences of `loss` over every parameter value.
template <class Params, class Loss>
double compare_with_differences(Params params, const std::vector<std::vector<double>>& analytic, Loss loss) {
    double worst = 0.0;
    const double h = 1e-6;
    for (std::size_t p = 0; p < params.size(); ++p)
        for (std::size_t i = 0; i < params[p].value.size(); ++i) {
            const double keep = params[p].value[i];
            params[p].value[i] = keep + h;
            const double up = loss();
            params[p].value[i] = keep - h;
            const double down = loss();
            params[p].value[i] = keep;
            const double n = (up - down) / (2 * h), a = analytic[p][i];
            worst = std::max(worst, std::abs(a - n) / std::max({std::abs(a), std::abs(n), 1e-2}));
        }
    return worst;
}

template <class Params>
std::vector<std::vector<double>> gradients_of(const Params& params) {
    std::vector<std::vector<double>> g;
    for (const auto& p : params) g.emplace_back(p.grad.begin(), p.grad.end());
    return g;
}

// The gradients of `params`, a sparse table's packed rows spread over its full shape (zero where untouched).
template <class Params>
std::vector<std::vector<double>> spread_gradients(const Params& params) {
    std::vector<std::vector<double>> out;
    for (const auto& p : params) {
        if (!p.sparse) {
            out.emplace_back(p.grad.begin(), p.grad.end());
            continue;
        }
        std::vector<double> full(p.value.size(), 0.0);
        for (std::size_t k = 0; k < p.touched_rows.size(); ++k)
            std::copy_n(p.grad.begin() + static_cast<std::ptrdiff_t>(k * p.row_size), p.row_size,
                        full.begin() + static_cast<std::ptrdiff_t>(p.touched_rows[k] * p.row_size));
        out.push_back(std::move(full));
    }
    return out;
}

}  // namespace
