#pragma once
/// @file
/// Self-contained SVG line charts (training curves, uplift and Qini curves): `svg_line_chart` and
/// `write_svg`. No dependency beyond the standard library. See docs/io.md.

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/compiler.hpp"

namespace causalrec::io {

/// One line of a chart: its legend name, its y values and optionally its x values (1..n when empty).
/// Points whose x or y is NaN or infinite are skipped (the line joins the neighbouring points).
struct line_series {
    std::string name{};        ///< legend text (escaped for XML; any UTF-8); an empty name keeps the line out of the legend
    std::vector<double> y{};   ///< the values
    std::vector<double> x{};   ///< x positions, same length as y; empty means 1, 2, ..., n
    std::string color{};       ///< an SVG colour ("#d62728", "teal"); empty picks the next palette colour
    bool dashed{false};        ///< draw a dashed line (e.g. a random-targeting baseline)
};

/// Options of svg_line_chart; designated initialisers work: `{.title = "loss", .x_label = "epoch"}`.
struct chart_options {
    std::string title{};             ///< text above the plot; none when empty
    std::string x_label{};           ///< text below the x axis
    std::string y_label{};           ///< text left of the y axis (rotated)
    int width{640};                  ///< picture width in pixels (at least 160)
    int height{400};                 ///< picture height in pixels (at least 120)
    bool legend{true};               ///< draw a legend box with every named series, in the emptiest corner
    bool markers{false};             ///< draw a dot at every point (always done for a single-point series)
    std::optional<double> y_min{};   ///< fix the bottom of the y axis (auto when empty)
    std::optional<double> y_max{};   ///< fix the top of the y axis (auto when empty)
};

/// An SVG line chart of `series`: axes with about five "nice" ticks, grid lines, title, axis labels
/// and a legend. NaN and infinite points are skipped; every series gives exactly one `<polyline>`
/// (empty when it has no finite point); all text is escaped. Raises argument_error when a series'
/// x and y lengths differ, when width/height are too small or when y_min >= y_max.
CAUSALREC_INLINE std::string svg_line_chart(std::span<const line_series> series, const chart_options& options = {});

/// As svg_line_chart(span, options), for a braced list or a vector of series.
CAUSALREC_INLINE std::string svg_line_chart(const std::vector<line_series>& series, const chart_options& options = {});

/// Writes an SVG document (or any text) to `path`; raises causalrec::error when the file cannot be written.
CAUSALREC_INLINE void write_svg(const std::filesystem::path& path, std::string_view svg);

}  // namespace causalrec::io

#if CAUSALREC_HEADER_ONLY
#include "impl/svg.hpp"
#endif
