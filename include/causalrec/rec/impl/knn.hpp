#pragma once
/// @file
/// Definitions of the non-template functions declared in rec/knn.hpp (the neighbour lists): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../knn.hpp"

namespace causalrec::rec {
namespace detail {

CAUSALREC_INLINE std::vector<std::vector<std::pair<std::size_t, double>>> neighbour_lists(const data::csr_matrix& by_entity,
                                                                               const data::csr_matrix& by_other, const knn_options& options,
                                                                               const std::vector<std::size_t>* rows) {
    const std::size_t n = by_entity.rows();
    const similarity m = options.measure;
    std::vector<double> mean(n, 0.0), norm(n, 0.0);
    std::vector<std::size_t> count(n, 0);
    for (std::size_t e = 0; e < n; ++e) {
        const auto v = by_entity.row_values(e);
        count[e] = v.size();
        double sum = 0.0, sq = 0.0;
        for (double x : v) {
            sum += x;
            sq += x * x;
        }
        mean[e] = v.empty() ? 0.0 : sum / static_cast<double>(v.size());
        norm[e] = std::sqrt(sq);
    }
    auto centred = [&](std::size_t e, double r) {
        if (m == similarity::jaccard) return 1.0;
        if (m == similarity::pearson) return r - mean[e];
        return r;
    };
    std::vector<std::vector<std::pair<std::size_t, double>>> lists(n);
    parallel_ranges(rows ? rows->size() : n, [&](std::size_t begin, std::size_t end) {
        std::vector<double> dot(n, 0.0), sa(n, 0.0), sb(n, 0.0);
        std::vector<std::size_t> common(n, 0), touched;
        std::vector<scored_item> cand;
        for (std::size_t position = begin; position < end; ++position) {
            const std::size_t e = rows ? (*rows)[position] : position;
            const auto cols = by_entity.row_indices(e);
            const auto vals = by_entity.row_values(e);
            for (std::size_t k = 0; k < cols.size(); ++k) {
                const double a = centred(e, vals[k]);
                const auto others = by_other.row_indices(cols[k]);
                const auto other_vals = by_other.row_values(cols[k]);
                for (std::size_t q = 0; q < others.size(); ++q) {
                    const std::size_t f = others[q];
                    if (f == e) continue;
                    const double b = centred(f, other_vals[q]);
                    if (common[f] == 0) touched.push_back(f);
                    ++common[f];
                    dot[f] += a * b;
                    sa[f] += a * a;
                    sb[f] += b * b;
                }
            }
            cand.clear();
            for (std::size_t f : touched) {
                const double c = static_cast<double>(common[f]);
                double s = 0.0;
                if (m == similarity::cosine) {
                    s = norm[e] > 0.0 && norm[f] > 0.0 ? dot[f] / (norm[e] * norm[f]) : 0.0;
                } else if (m == similarity::jaccard) {
                    s = c / static_cast<double>(count[e] + count[f] - common[f]);
                } else {
                    const double den = std::sqrt(sa[f] * sb[f]);
                    s = den > 0.0 ? dot[f] / den : 0.0;
                }
                if (options.shrinkage > 0.0) s *= c / (c + options.shrinkage);
                if (s != 0.0) cand.push_back({f, s});
                dot[f] = sa[f] = sb[f] = 0.0;
                common[f] = 0;
            }
            touched.clear();
            const std::size_t keep = options.neighbours == 0 ? cand.size() : std::min(options.neighbours, cand.size());
            std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(keep), cand.end(), better);
            cand.resize(keep);
            std::sort(cand.begin(), cand.end(), [](const scored_item& x, const scored_item& y) { return x.item < y.item; });
            auto& list = lists[e];
            list.reserve(keep);
            for (const auto& c : cand) list.emplace_back(c.item, c.score);
        }
    });
    return lists;
}

CAUSALREC_INLINE data::csr_matrix neighbours_of(const data::csr_matrix& by_entity, const data::csr_matrix& by_other, const knn_options& options) {
    return data::csr_from_rows(by_entity.rows(), neighbour_lists(by_entity, by_other, options, nullptr));
}

CAUSALREC_INLINE void check_knn_options(const knn_options& o, std::string_view model_name) {
    if (!(o.shrinkage >= 0.0 && std::isfinite(o.shrinkage)))
        throw argument_error(causalrec::error_message("rec", model_name, "shrinkage must be finite and >= 0, got ", o.shrinkage));
}

}  // namespace detail
}  // namespace causalrec::rec
