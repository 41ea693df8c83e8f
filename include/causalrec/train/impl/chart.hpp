#pragma once
/// @file
/// Definitions of the training-curve charts declared in train/chart.hpp (included by that header in
/// the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED).

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../io/svg.hpp"
#include "../chart.hpp"

namespace causalrec::train {

namespace detail {

/// The series history_svg draws, in order: loss, val_loss, then the named ones. A validation series
/// ("val_x") is dashed and takes the colour of its training series "x" when that is drawn too.
inline std::vector<io::line_series> history_series(const history& h, const history_chart_options& options) {
    static constexpr const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    std::vector<std::string> names;
    if (options.loss) names.emplace_back("loss");
    if (options.val_loss && !h.val_loss.empty()) names.emplace_back("val_loss");
    for (const auto& m : options.metrics) names.push_back(m);
    std::vector<io::line_series> out;
    std::map<std::string, std::string> colour_of;
    std::size_t next = 0;
    for (const auto& name : names) {
        const std::vector<double>& values = h.series(name);  // argument_error listing the series when absent
        io::line_series s{.name = name, .y = values};
        const bool validation = name.rfind("val_", 0) == 0;
        const auto partner = validation ? colour_of.find(name.substr(4)) : colour_of.end();
        if (partner != colour_of.end()) {
            s.color = partner->second;
        } else {
            s.color = palette[next++ % std::size(palette)];
        }
        s.dashed = validation;
        colour_of.emplace(name, s.color);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace detail

/// history_svg: see train/chart.hpp.
CAUSALREC_INLINE std::string history_svg(const history& h, const history_chart_options& options) {
    const auto series = detail::history_series(h, options);
    std::string y_label = options.y_label;
    if (y_label.empty()) y_label = options.metrics.empty() ? "loss" : "value";
    return io::svg_line_chart(series, {.title = options.title, .x_label = options.x_label, .y_label = y_label,
                                       .width = options.width, .height = options.height, .legend = true,
                                       .markers = options.markers, .y_min = options.y_min, .y_max = options.y_max});
}

CAUSALREC_INLINE void write_history_svg(const std::filesystem::path& path, const history& h, const history_chart_options& options) {
    io::write_svg(path, history_svg(h, options));
}

}  // namespace causalrec::train
