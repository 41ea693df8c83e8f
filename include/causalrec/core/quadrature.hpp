#pragma once
/// @file
/// Gauss-Legendre quadrature on [0, 1]: the nodes and weights with which m evaluations integrate
/// polynomials of degree 2m - 1 exactly (integrated gradients' default rule).

#include <cmath>
#include <cstddef>
#include <numbers>
#include <utility>
#include <vector>

namespace causalrec {

/// The m Gauss-Legendre nodes on [0, 1] (decreasing) and their weights (summing to 1): the roots of
/// P_m by Newton's method from Chebyshev guesses, mapped from [-1, 1].
inline std::pair<std::vector<double>, std::vector<double>> gauss_legendre_unit(std::size_t m) {
    std::vector<double> a(m), w(m);
    const double dm = static_cast<double>(m);
    for (std::size_t k = 0; k < m; ++k) {
        double z = std::cos(std::numbers::pi * (static_cast<double>(k) + 0.75) / (dm + 0.5)), dp = 0.0;
        for (int it = 0; it < 100; ++it) {
            double p0 = 1.0, p1 = 0.0;
            for (std::size_t j = 1; j <= m; ++j) {
                const double p2 = p1;
                p1 = p0;
                p0 = ((2.0 * static_cast<double>(j) - 1.0) * z * p1 - (static_cast<double>(j) - 1.0) * p2) / static_cast<double>(j);
            }
            dp = dm * (z * p0 - p1) / (z * z - 1.0);
            const double step = p0 / dp;
            z -= step;
            if (std::abs(step) < 1e-15) break;
        }
        a[k] = 0.5 * (1.0 - z);
        w[k] = 1.0 / ((1.0 - z * z) * dp * dp);  // 2 / ((1 - z^2) P'^2), halved for [0, 1]
    }
    return {a, w};
}

}  // namespace causalrec
