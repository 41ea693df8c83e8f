#pragma once
/// @file
/// Definitions of the SVG chart functions declared in io/svg.hpp: included by that header in the
/// header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../../core/error.hpp"
#include "../detail/common.hpp"
#include "../svg.hpp"

namespace causalrec::io {

namespace detail {

/// Text escaped for XML character data and attribute values: & < > " ' become entities, malformed
/// UTF-8 and the non-characters U+FFFE/U+FFFF become U+FFFD, control characters other than tab,
/// newline and carriage return are dropped. At most `max_chars` characters are kept ("..." marks a cut).
inline std::string xml_escape(std::string_view text, std::size_t max_chars = std::numeric_limits<std::size_t>::max()) {
    std::string s;
    s.reserve(text.size());
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (chars == max_chars) {
            s.append("...");
            break;
        }
        const auto ch = decode_utf8(text, i);
        if (ch.length == 0 || ch.code_point == 0xFFFE || ch.code_point == 0xFFFF) {
            s.append("\xEF\xBF\xBD");
            i += ch.length == 0 ? 1 : ch.length;
            ++chars;
            continue;
        }
        const char c = text[i];
        if (ch.length == 1 && static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            ++i;
            continue;
        }
        switch (c) {
            case '&': s.append("&amp;"); break;
            case '<': s.append("&lt;"); break;
            case '>': s.append("&gt;"); break;
            case '"': s.append("&quot;"); break;
            case '\'': s.append("&apos;"); break;
            default: s.append(text.substr(i, ch.length));
        }
        i += ch.length;
        ++chars;
    }
    return s;
}

/// A "nice" number near x (1, 2 or 5 times a power of ten): rounded when `round`, else the ceiling.
inline double nice_number(double x, bool round) {
    const double e = std::floor(std::log10(x));
    const double p = std::pow(10.0, e);
    const double f = x / p;
    double nf;
    if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * p;
}

/// An axis: its range, its tick positions and their labels.
struct axis_scale {
    double lo = 0.0;
    double hi = 1.0;
    std::vector<double> ticks{};
    std::vector<std::string> labels{};

    /// Position of v in [0, 1] along the axis (computed on halves so that it cannot overflow).
    double fraction(double v) const noexcept {
        const double span = hi / 2 - lo / 2;
        return span > 0 ? (v / 2 - lo / 2) / span : 0.5;
    }
};

/// A tick label for v on an axis with tick spacing `step`.
inline std::string tick_label(double v, double step) {
    if (std::fabs(v) < step * 1e-9) v = 0.0;
    const double magnitude = std::fabs(v);
    if (magnitude >= 1e6 || step < 1e-4) {
        char buffer[64];
        const auto r = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::general, 4);
        return std::string(buffer, r.ptr);
    }
    const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    return format_fixed(v, decimals);
}

/// Picks a range and about `target` ticks covering [lo, hi]. Fixed ends (`fix_lo`, `fix_hi`) are kept
/// as given; free ends are widened to the next tick. With `integer_steps` the spacing is at least 1.
inline axis_scale make_scale(double lo, double hi, bool fix_lo, bool fix_hi, bool integer_steps, int target = 5) {
    axis_scale s;
    if (!(hi > lo)) {  // one value (or an empty range): open a window around it
        const double pad = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.1;
        if (!fix_lo) lo -= pad;
        if (!fix_hi) hi += pad;
        if (!(hi > lo)) hi = lo + pad;
    }
    const double range = hi - lo;
    if (!std::isfinite(range)) {  // extreme values: evenly spaced ticks, no rounding
        s.lo = lo;
        s.hi = hi;
        for (int k = 0; k <= 4; ++k) {
            const double v = lo / 4 * (4 - k) + hi / 4 * k;
            s.ticks.push_back(v);
            char buffer[64];
            const auto r = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::general, 3);
            s.labels.emplace_back(buffer, r.ptr);
        }
        return s;
    }
    double step = nice_number(nice_number(range, false) / std::max(1, target - 1), true);
    if (integer_steps) step = std::max(step, 1.0);
    if (!(step > 0) || !std::isfinite(step)) step = range;
    s.lo = lo;
    s.hi = hi;
    if (!fix_lo) {
        const double l = std::floor(lo / step) * step;
        if (std::isfinite(l)) s.lo = l;
    }
    if (!fix_hi) {
        const double h = std::ceil(hi / step) * step;
        if (std::isfinite(h)) s.hi = h;
    }
    const double first = std::ceil(s.lo / step - 1e-9);
    for (int k = 0; k < 100; ++k) {
        const double v = (first + k) * step;
        if (!std::isfinite(v) || v > s.hi + step * 1e-9) break;
        if (v < s.lo - step * 1e-9) continue;
        s.ticks.push_back(v);
        s.labels.push_back(tick_label(v, step));
    }
    return s;
}

/// A coordinate with two decimals.
inline std::string coord(double v) { return format_fixed(v, 2); }

}  // namespace detail

/// An SVG line chart of `series`: axes with about five "nice" ticks, grid lines, title, axis labels
/// and a legend. NaN and infinite points are skipped; every series gives exactly one `<polyline>`
/// (empty when it has no finite point); all text is escaped. Raises argument_error when a series'
/// x and y lengths differ, when width/height are too small or when y_min >= y_max.
CAUSALREC_INLINE std::string svg_line_chart(std::span<const line_series> series, const chart_options& options) {
    using detail::cat;
    using detail::coord;
    if (options.width < 160 || options.height < 120)
        throw argument_error(cat("causalrec::io::svg_line_chart: the picture must be at least 160 x 120 pixels, got ", options.width,
                                 " x ", options.height));
    if ((options.y_min && !std::isfinite(*options.y_min)) || (options.y_max && !std::isfinite(*options.y_max)))
        throw argument_error("causalrec::io::svg_line_chart: y_min and y_max must be finite");
    if (options.y_min && options.y_max && !(*options.y_min < *options.y_max))
        throw argument_error(cat("causalrec::io::svg_line_chart: y_min (", *options.y_min, ") must be below y_max (", *options.y_max, ")"));
    for (const auto& s : series)
        if (!s.x.empty() && s.x.size() != s.y.size())
            throw argument_error(cat("causalrec::io::svg_line_chart: series ", detail::quote(s.name), " has ", s.x.size(),
                                     " x values but ", s.y.size(), " y values"));

    // Finite points of every series, and the data range.
    const auto x_of = [](const line_series& s, std::size_t i) { return s.x.empty() ? static_cast<double>(i + 1) : s.x[i]; };
    double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
    bool integer_x = true;
    for (const auto& s : series)
        for (std::size_t i = 0; i < s.y.size(); ++i) {
            const double x = x_of(s, i), y = s.y[i];
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            x_lo = std::min(x_lo, x);
            x_hi = std::max(x_hi, x);
            y_lo = std::min(y_lo, y);
            y_hi = std::max(y_hi, y);
            if (x != std::floor(x)) integer_x = false;
        }
    if (!(x_lo <= x_hi)) {  // no finite point at all
        x_lo = 0.0;
        x_hi = 1.0;
        integer_x = false;
    }
    if (!(y_lo <= y_hi)) {
        y_lo = 0.0;
        y_hi = 1.0;
    }
    if (options.y_min) y_lo = *options.y_min;
    if (options.y_max) y_hi = *options.y_max;
    if (options.y_min && !options.y_max && y_hi < y_lo) y_hi = y_lo;
    if (options.y_max && !options.y_min && y_lo > y_hi) y_lo = y_hi;
    const auto xs = detail::make_scale(x_lo, x_hi, false, false, integer_x);
    const auto ys = detail::make_scale(y_lo, y_hi, options.y_min.has_value(), options.y_max.has_value(), false);

    // Layout.
    std::size_t widest_label = 1;
    for (const auto& l : ys.labels) widest_label = std::max(widest_label, l.size());
    const double W = options.width, H = options.height;
    const double left = 14.0 + 7.0 * static_cast<double>(widest_label) + (options.y_label.empty() ? 0.0 : 20.0);
    const double right = 16.0;
    const double top = options.title.empty() ? 16.0 : 38.0;
    const double bottom = 34.0 + (options.x_label.empty() ? 0.0 : 20.0);
    const double px0 = std::min(left, W / 2), px1 = std::max(W - right, px0 + 20);
    const double py0 = top, py1 = std::max(H - bottom, py0 + 20);
    const auto px = [&](double x) { return px0 + xs.fraction(x) * (px1 - px0); };
    const auto py = [&](double y) { return py1 - ys.fraction(y) * (py1 - py0); };

    static constexpr const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    std::string out;
    out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(std::to_string(options.width));
    out.append("\" height=\"").append(std::to_string(options.height)).append("\" viewBox=\"0 0 ");
    out.append(std::to_string(options.width)).append(" ").append(std::to_string(options.height));
    out.append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
    out.append("<rect x=\"0\" y=\"0\" width=\"").append(std::to_string(options.width)).append("\" height=\"");
    out.append(std::to_string(options.height)).append("\" fill=\"white\"/>\n");
    out.append("<defs><clipPath id=\"causalrec-plot-area\"><rect x=\"").append(coord(px0)).append("\" y=\"");
    out.append(coord(py0)).append("\" width=\"").append(coord(px1 - px0)).append("\" height=\"");
    out.append(coord(py1 - py0)).append("\"/></clipPath></defs>\n");
    if (!options.title.empty()) {
        out.append("<text class=\"title\" x=\"").append(coord(W / 2)).append("\" y=\"24\" text-anchor=\"middle\" ");
        out.append("font-size=\"15\" font-weight=\"bold\">").append(detail::xml_escape(options.title)).append("</text>\n");
    }

    // Grid, axes, ticks and tick labels.
    out.append("<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n");
    for (const double t : xs.ticks) {
        const std::string x = coord(px(t));
        out.append("<line x1=\"").append(x).append("\" y1=\"").append(coord(py0)).append("\" x2=\"").append(x);
        out.append("\" y2=\"").append(coord(py1)).append("\"/>\n");
    }
    for (const double t : ys.ticks) {
        const std::string y = coord(py(t));
        out.append("<line x1=\"").append(coord(px0)).append("\" y1=\"").append(y).append("\" x2=\"");
        out.append(coord(px1)).append("\" y2=\"").append(y).append("\"/>\n");
    }
    out.append("</g>\n<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">\n");
    out.append("<line x1=\"").append(coord(px0)).append("\" y1=\"").append(coord(py1)).append("\" x2=\"");
    out.append(coord(px1)).append("\" y2=\"").append(coord(py1)).append("\"/>\n");
    out.append("<line x1=\"").append(coord(px0)).append("\" y1=\"").append(coord(py0)).append("\" x2=\"");
    out.append(coord(px0)).append("\" y2=\"").append(coord(py1)).append("\"/>\n");
    for (const double t : xs.ticks) {
        const std::string x = coord(px(t));
        out.append("<line x1=\"").append(x).append("\" y1=\"").append(coord(py1)).append("\" x2=\"").append(x);
        out.append("\" y2=\"").append(coord(py1 + 5)).append("\"/>\n");
    }
    for (const double t : ys.ticks) {
        const std::string y = coord(py(t));
        out.append("<line x1=\"").append(coord(px0 - 5)).append("\" y1=\"").append(y).append("\" x2=\"");
        out.append(coord(px0)).append("\" y2=\"").append(y).append("\"/>\n");
    }
    out.append("</g>\n<g class=\"tick-labels\" fill=\"#333333\">\n");
    for (std::size_t k = 0; k < xs.ticks.size(); ++k) {
        out.append("<text x=\"").append(coord(px(xs.ticks[k]))).append("\" y=\"").append(coord(py1 + 18));
        out.append("\" text-anchor=\"middle\">").append(detail::xml_escape(xs.labels[k])).append("</text>\n");
    }
    for (std::size_t k = 0; k < ys.ticks.size(); ++k) {
        out.append("<text x=\"").append(coord(px0 - 8)).append("\" y=\"").append(coord(py(ys.ticks[k]) + 4));
        out.append("\" text-anchor=\"end\">").append(detail::xml_escape(ys.labels[k])).append("</text>\n");
    }
    out.append("</g>\n");
    if (!options.x_label.empty()) {
        out.append("<text class=\"x-label\" x=\"").append(coord((px0 + px1) / 2)).append("\" y=\"");
        out.append(coord(H - 10)).append("\" text-anchor=\"middle\">").append(detail::xml_escape(options.x_label));
        out.append("</text>\n");
    }
    if (!options.y_label.empty()) {
        const std::string cy = coord((py0 + py1) / 2);
        out.append("<text class=\"y-label\" x=\"16\" y=\"").append(cy).append("\" text-anchor=\"middle\" ");
        out.append("transform=\"rotate(-90 16 ").append(cy).append(")\">").append(detail::xml_escape(options.y_label));
        out.append("</text>\n");
    }

    // The series: one polyline each, clipped to the plot area.
    std::vector<std::string> colors;
    std::vector<std::vector<std::pair<double, double>>> drawn;  // pixel points, for placing the legend
    out.append("<g class=\"series\" clip-path=\"url(#causalrec-plot-area)\" fill=\"none\" stroke-width=\"2\" ");
    out.append("stroke-linejoin=\"round\" stroke-linecap=\"round\">\n");
    for (std::size_t k = 0; k < series.size(); ++k) {
        const auto& s = series[k];
        colors.push_back(s.color.empty() ? std::string(palette[k % std::size(palette)]) : detail::xml_escape(s.color, 64));
        std::string points;
        std::vector<std::pair<double, double>> dots;
        for (std::size_t i = 0; i < s.y.size(); ++i) {
            const double x = x_of(s, i), y = s.y[i];
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            if (!points.empty()) points.push_back(' ');
            points.append(coord(px(x))).append(",").append(coord(py(y)));
            dots.emplace_back(px(x), py(y));
        }
        out.append("<polyline data-series=\"").append(std::to_string(k)).append("\" stroke=\"").append(colors.back());
        out.append(s.dashed ? "\" stroke-dasharray=\"6 4" : "").append("\" points=\"").append(points).append("\">");
        out.append("<title>").append(detail::xml_escape(s.name)).append("</title></polyline>\n");
        if (options.markers || dots.size() == 1)
            for (const auto& [cx, cy] : dots) {
                out.append("<circle cx=\"").append(coord(cx)).append("\" cy=\"").append(coord(cy));
                out.append("\" r=\"3\" fill=\"").append(colors.back()).append("\" stroke=\"none\"/>\n");
            }
        drawn.push_back(std::move(dots));
    }
    out.append("</g>\n");

    // Legend (top right, inside the plot area).
    std::vector<std::size_t> named;  // series with a name (unnamed ones, e.g. ICE curves, stay out of the legend)
    for (std::size_t k = 0; k < series.size(); ++k)
        if (!series[k].name.empty()) named.push_back(k);
    if (options.legend && !named.empty()) {
        constexpr std::size_t max_name = 40;
        std::size_t longest = 1;
        for (const std::size_t k : named) {
            const auto& s = series[k];
            std::size_t chars = 0;
            for (std::size_t i = 0; i < s.name.size(); ++i)
                if ((static_cast<unsigned char>(s.name[i]) & 0xC0u) != 0x80u) ++chars;
            longest = std::max(longest, std::min(chars, max_name + 3));
        }
        const double lw = 40.0 + 7.0 * static_cast<double>(longest), lh = 8.0 + 18.0 * static_cast<double>(named.size());
        // The corner whose box covers the least of the lines (sampled along each segment); top right on ties.
        const double right_x = std::max(px0 + 4, px1 - lw - 8), left_x = px0 + 8;
        const double top_y = py0 + 8, bottom_y = std::max(py0 + 8, py1 - lh - 8);
        const std::pair<double, double> corners[] = {{right_x, top_y}, {left_x, top_y}, {right_x, bottom_y}, {left_x, bottom_y}};
        std::size_t best = 0, best_hits = std::numeric_limits<std::size_t>::max();
        for (std::size_t c = 0; c < std::size(corners); ++c) {
            const double bx = corners[c].first, by = corners[c].second;
            std::size_t hits = 0;
            const auto inside = [&](double x, double y) { return x >= bx && x <= bx + lw && y >= by && y <= by + lh; };
            for (const auto& line : drawn)
                for (std::size_t i = 0; i < line.size(); ++i) {
                    if (inside(line[i].first, line[i].second)) ++hits;
                    if (i + 1 == line.size()) continue;
                    for (int t = 1; t < 16; ++t) {
                        const double a = t / 16.0;
                        if (inside(line[i].first + a * (line[i + 1].first - line[i].first),
                                   line[i].second + a * (line[i + 1].second - line[i].second)))
                            ++hits;
                    }
                }
            if (hits < best_hits) {
                best = c;
                best_hits = hits;
            }
        }
        const double lx = corners[best].first, ly = corners[best].second;
        out.append("<g class=\"legend\">\n<rect x=\"").append(coord(lx)).append("\" y=\"").append(coord(ly));
        out.append("\" width=\"").append(coord(lw)).append("\" height=\"").append(coord(lh));
        out.append("\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n");
        for (std::size_t e = 0; e < named.size(); ++e) {
            const std::size_t k = named[e];
            const double y = ly + 13.0 + 18.0 * static_cast<double>(e);
            out.append("<line x1=\"").append(coord(lx + 8)).append("\" y1=\"").append(coord(y)).append("\" x2=\"");
            out.append(coord(lx + 30)).append("\" y2=\"").append(coord(y)).append("\" stroke=\"").append(colors[k]);
            out.append(series[k].dashed ? "\" stroke-dasharray=\"6 4" : "").append("\" stroke-width=\"2\"/>\n");
            out.append("<text x=\"").append(coord(lx + 36)).append("\" y=\"").append(coord(y + 4)).append("\">");
            out.append(detail::xml_escape(series[k].name, max_name)).append("</text>\n");
        }
        out.append("</g>\n");
    }
    out.append("</svg>\n");
    return out;
}

/// As svg_line_chart(span, options), for a braced list or a vector of series.
CAUSALREC_INLINE std::string svg_line_chart(const std::vector<line_series>& series, const chart_options& options) {
    return svg_line_chart(std::span<const line_series>(series), options);
}

/// Writes an SVG document (or any text) to `path`; raises causalrec::error when the file cannot be written.
CAUSALREC_INLINE void write_svg(const std::filesystem::path& path, std::string_view svg) {
    const std::string name = path.string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(name.c_str(), "wb"), &std::fclose);
    if (!f) throw error(detail::cat("causalrec::io::write_svg: cannot open '", name, "' for writing: ", std::strerror(errno)));
    bool ok = svg.empty() || std::fwrite(svg.data(), 1, svg.size(), f.get()) == svg.size();
    std::FILE* raw = f.release();
    if (std::fclose(raw) != 0) ok = false;
    if (!ok) throw error(detail::cat("causalrec::io::write_svg: writing '", name, "' failed (disk full?)"));
}

}  // namespace causalrec::io
