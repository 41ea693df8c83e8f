#pragma once
/// @file
/// Definitions of the non-template functions declared in explain/gradients.hpp (the integration rules): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../gradients.hpp"

namespace causalrec::explain {
namespace detail {

CAUSALREC_INLINE std::pair<std::vector<double>, std::vector<double>> integration_points(integration_rule rule, std::size_t m) {
    std::vector<double> a(m), w(m, 1.0 / static_cast<double>(m));
    const double dm = static_cast<double>(m);
    switch (rule) {
        case integration_rule::riemann_left: for (std::size_t k = 0; k < m; ++k) a[k] = static_cast<double>(k) / dm; break;
        case integration_rule::riemann_right: for (std::size_t k = 0; k < m; ++k) a[k] = static_cast<double>(k + 1) / dm; break;
        case integration_rule::riemann_middle: for (std::size_t k = 0; k < m; ++k) a[k] = (static_cast<double>(k) + 0.5) / dm; break;
        case integration_rule::riemann_trapezoid:
            if (m < 2) throw argument_error("causalrec::explain::integrated_gradients: the trapezoid rule needs at least 2 steps");
            for (std::size_t k = 0; k < m; ++k) a[k] = static_cast<double>(k) / (dm - 1.0), w[k] = 1.0 / (dm - 1.0);
            w.front() *= 0.5, w.back() *= 0.5;
            break;
        case integration_rule::gauss_legendre: return gauss_legendre_unit(m);
    }
    return {a, w};
}

}  // namespace detail
}  // namespace causalrec::explain
