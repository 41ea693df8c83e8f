#pragma once
/// @file
/// Training curves as SVG: history_svg draws loss, val_loss and chosen metric series of a History
/// per epoch with io::svg_line_chart; write_history_svg writes the chart to a file.

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../io/svg.hpp"
#include "history.hpp"

namespace causalrec::train {

/// Options of history_svg: which series to draw and how the chart looks.
struct history_chart_options {
    std::vector<std::string> metrics{};  ///< further series by name, drawn after the losses ("accuracy", "val_accuracy", "learning_rate")
    bool loss{true};                     ///< draw the training loss
    bool val_loss{true};                 ///< draw the validation loss (when the History has one)
    std::string title{"Training history"};  ///< text above the plot; none when empty
    std::string x_label{"epoch"};        ///< text below the x axis
    std::string y_label{};               ///< text left of the y axis; empty: "loss" when only losses are drawn
    int width{640};                      ///< picture width in pixels (at least 160)
    int height{400};                     ///< picture height in pixels (at least 120)
    bool markers{false};                 ///< a dot at every epoch
    std::optional<double> y_min{};       ///< fix the bottom of the y axis (auto when empty)
    std::optional<double> y_max{};       ///< fix the top of the y axis (auto when empty)
};

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

/// An SVG chart of a History: one line per series (loss, val_loss when recorded, and the series named
/// in options.metrics), x = epoch 1..n; validation series are dashed in their training series' colour.
/// NaN values are skipped. Raises argument_error naming the series when options.metrics names one the
/// History does not have, or when the picture options are invalid (see io::svg_line_chart).
inline std::string history_svg(const history& h, const history_chart_options& options = {}) {
    const auto series = detail::history_series(h, options);
    std::string y_label = options.y_label;
    if (y_label.empty()) y_label = options.metrics.empty() ? "loss" : "value";
    return io::svg_line_chart(series, {.title = options.title, .x_label = options.x_label, .y_label = y_label,
                                       .width = options.width, .height = options.height, .legend = true,
                                       .markers = options.markers, .y_min = options.y_min, .y_max = options.y_max});
}

/// Writes history_svg(h, options) to `path`; raises causalrec::error when the file cannot be written.
inline void write_history_svg(const std::filesystem::path& path, const history& h, const history_chart_options& options = {}) {
    io::write_svg(path, history_svg(h, options));
}

}  // namespace causalrec::train
