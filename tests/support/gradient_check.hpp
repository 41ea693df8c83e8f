#pragma once
// Finite-difference gradient checks for layers (double precision), shared by the nn test programs.
#include <causalrec/core/rng.hpp>
#include <causalrec/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace causalrec::testing {

namespace cr = causalrec;

inline cr::matrix<double> random_matrix(std::size_t r, std::size_t c, cr::rng& engine, double away_from_zero = 0.0) {
    auto m = cr::make_matrix<double>(r, c);
    for (auto& v : m) {
        double x = engine.normal();
        if (std::abs(x) < away_from_zero) x += x < 0 ? -away_from_zero : away_from_zero;
        v = x;
    }
    return m;
}

/// Largest relative error |a - n| / max(|a|, |n|, floor) between analytic (a) and central-difference
/// (n, h = 1e-6) gradients of f = sum(forward(X) * G) w.r.t. the input X and every parameter of the
/// layer. The differences carry about 1e-9 of rounding when f is of order 10, which `floor` keeps
/// from counting as relative error on gradients that are (or should be) near zero.
template <class L>
double gradient_check(L& layer, cr::matrix<double> x, const cr::matrix<double>& g, bool check_input = true,
                      double floor = 1e-8) {
    auto f = [&]() {
        const auto& y = layer.forward(x);
        double s = 0;
        for (std::size_t i = 0; i < y.size(); ++i) s += y.data()[i] * g.data()[i];
        return s;
    };
    f();
    const auto dx = layer.backward(g);  // copy: later forwards overwrite the buffer
    std::vector<std::vector<double>> analytic;
    for (const auto& p : layer.parameters()) analytic.emplace_back(p.grad.begin(), p.grad.end());
    double worst = 0.0;
    auto compare = [&](double a, double n) {
        const double err = std::abs(a - n) / std::max({std::abs(a), std::abs(n), floor});
        worst = std::max(worst, err);
    };
    const double h = 1e-6;
    if (check_input) {
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double keep = x.data()[i];
            x.data()[i] = keep + h;
            const double up = f();
            x.data()[i] = keep - h;
            const double down = f();
            x.data()[i] = keep;
            compare(dx.data()[i], (up - down) / (2 * h));
        }
    }
    std::size_t k = 0;
    for (const auto& p : layer.parameters()) {
        for (std::size_t i = 0; i < p.value.size(); ++i) {
            const double keep = p.value[i];
            p.value[i] = keep + h;
            const double up = f();
            p.value[i] = keep - h;
            const double down = f();
            p.value[i] = keep;
            // A sparse gradient covers only the touched rows; elsewhere the derivative must be zero.
            const bool touched = !p.sparse || std::find(p.touched_rows.begin(), p.touched_rows.end(),
                                                        i / p.row_size) != p.touched_rows.end();
            compare(touched ? analytic[k][i] : 0.0, (up - down) / (2 * h));
        }
        ++k;
    }
    return worst;
}


}  // namespace causalrec::testing
