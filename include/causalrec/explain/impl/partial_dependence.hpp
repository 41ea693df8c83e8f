#pragma once
/// @file
/// Definitions of the non-template functions declared in explain/partial_dependence.hpp (the partial-dependence helpers and chart): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../partial_dependence.hpp"

namespace causalrec::explain {

CAUSALREC_INLINE std::string partial_dependence_svg(const partial_dependence_result& curves, const std::string& feature_name,
                                          std::size_t max_ice_lines) {
    std::vector<io::line_series> lines;
    const std::size_t kept = curves.individual.size();
    const std::size_t shown = std::min(kept, max_ice_lines);
    for (std::size_t k = 0; k < shown; ++k) {
        const std::size_t r = shown == kept ? k : k * kept / shown;
        lines.push_back({.name = "", .y = curves.individual[r], .x = curves.grid, .color = "#c7c7c7"});
    }
    lines.push_back({.name = "partial dependence", .y = curves.average, .x = curves.grid, .color = "#d62728"});
    return io::svg_line_chart(lines, {.title = "Partial dependence and ICE: " + feature_name,
                                      .x_label = feature_name,
                                      .y_label = "prediction"});
}

}  // namespace causalrec::explain

namespace causalrec::explain {
namespace detail {

CAUSALREC_INLINE double mquantile(const std::vector<double>& sorted, double p) {
    const double n = static_cast<double>(sorted.size());
    const double m = 0.4 + p * (1.0 - 0.4 - 0.4);
    const double aleph = n * p + m;
    const double k = std::floor(std::clamp(aleph, 1.0, n - 1.0));
    const double gamma = std::clamp(aleph - k, 0.0, 1.0);
    const auto kk = static_cast<std::size_t>(k);
    return (1.0 - gamma) * sorted[kk - 1] + gamma * sorted[kk];
}

}  // namespace detail
}  // namespace causalrec::explain
