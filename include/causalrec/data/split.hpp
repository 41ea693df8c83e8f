#pragma once
/// @file
/// Train/test split (optionally stratified by label) and k-fold cross-validation indices.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "dataset.hpp"

namespace causalrec::data {

/// Options of train_test_split.
struct split_options {
    double test_fraction = 0.25;  ///< share of rows in the test part, in (0, 1); the test size is ceil(fraction * n)
    std::uint64_t seed = 0;       ///< seed of the shuffle
    bool shuffle = true;          ///< false: the test part is the last rows, in order
    bool stratify = false;        ///< keep each label value's share equal in both parts (needs labels)
};

/// Row indices of the two parts of a split.
struct split_indices {
    std::vector<std::size_t> train;  ///< rows of the training part
    std::vector<std::size_t> test;   ///< rows of the test part
};

/// The two parts of a dataset split.
template <class T>
struct train_test {
    dataset<T> train;  ///< training part
    dataset<T> test;   ///< test part
};

namespace detail {

/// Groups row indices by label value, in ascending label order.
template <class T>
std::vector<std::vector<std::size_t>> rows_by_label(const vector<T>& labels, std::string_view fn) {
    std::map<T, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const T y = labels(i);
        if (std::isnan(y)) throw numeric_error(causalrec::error_message("data", fn, "stratified split: label of row ", i, " is NaN"));
        groups[y].push_back(i);
    }
    std::vector<std::vector<std::size_t>> out;
    for (auto& [value, rows] : groups) out.push_back(std::move(rows));
    return out;
}

/// Splits `total` into parts proportional to `sizes` (largest remainder), summing exactly to `total`.
std::vector<std::size_t> proportional_counts(const std::vector<std::size_t>& sizes, std::size_t n,
                                                    std::size_t total);

}  // namespace detail

/// Row indices of a train/test split of `n` rows (labels are needed only with stratify).
template <class T = float>
split_indices train_test_split_indices(std::size_t n, const split_options& options, const vector<T>* labels = nullptr) {
    if (!(options.test_fraction > 0.0 && options.test_fraction < 1.0))
        throw argument_error(causalrec::cat("causalrec::data::train_test_split: test_fraction must be in (0, 1), got ", options.test_fraction));
    const auto n_test = static_cast<std::size_t>(std::ceil(options.test_fraction * static_cast<double>(n)));
    if (n < 2 || n_test == 0 || n_test >= n)
        throw argument_error(causalrec::cat("causalrec::data::train_test_split: ", n, " rows cannot be split with test_fraction ", options.test_fraction));
    rng engine(options.seed);
    split_indices out;
    if (!options.stratify) {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        if (options.shuffle) engine.shuffle(std::span<std::size_t>(order));
        out.train.assign(order.begin(), order.end() - static_cast<std::ptrdiff_t>(n_test));
        out.test.assign(order.end() - static_cast<std::ptrdiff_t>(n_test), order.end());
        return out;
    }
    if (labels == nullptr) throw argument_error("causalrec::data::train_test_split: stratify needs labels");
    if (labels->size() != n) throw shape_error("causalrec::data::train_test_split: labels and rows differ in length");
    auto groups = detail::rows_by_label(*labels, "train_test_split");
    std::vector<std::size_t> sizes;
    for (const auto& g : groups) sizes.push_back(g.size());
    const auto test_counts = detail::proportional_counts(sizes, n, n_test);
    for (std::size_t g = 0; g < groups.size(); ++g) {
        auto& rows = groups[g];
        if (options.shuffle) engine.shuffle(std::span<std::size_t>(rows));
        const auto cut = static_cast<std::ptrdiff_t>(rows.size() - test_counts[g]);
        out.train.insert(out.train.end(), rows.begin(), rows.begin() + cut);
        out.test.insert(out.test.end(), rows.begin() + cut, rows.end());
    }
    if (options.shuffle) {  // interleave the classes
        engine.shuffle(std::span<std::size_t>(out.train));
        engine.shuffle(std::span<std::size_t>(out.test));
    } else {
        std::sort(out.train.begin(), out.train.end());
        std::sort(out.test.begin(), out.test.end());
    }
    return out;
}

/// Splits a dataset into a training and a test part (`auto [train, test] = train_test_split(data, {...})`).
template <class T>
train_test<T> train_test_split(const dataset<T>& data, const split_options& options = {}) {
    if (options.stratify && !data.has_labels()) throw argument_error("causalrec::data::train_test_split: stratify needs labels");
    const auto idx = train_test_split_indices<T>(data.rows(), options, data.has_labels() ? &data.labels() : nullptr);
    return {data.subset(idx.train), data.subset(idx.test)};
}

/// Options of k_fold.
struct k_fold_options {
    std::size_t folds = 5;   ///< number of folds, at least 2
    std::uint64_t seed = 0;  ///< seed of the shuffle
    bool shuffle = true;     ///< false: folds are consecutive blocks of rows
    bool stratify = false;   ///< spread each label value evenly over the folds (needs labels)
};

/// K-fold cross-validation: for each fold, the rows held out (test) and the others (train).
/// Fold sizes differ by at most one; the first n % k folds are one row larger (as scikit-learn's KFold).
template <class T = float>
std::vector<split_indices> k_fold(std::size_t n, const k_fold_options& options, const vector<T>* labels = nullptr) {
    const std::size_t k = options.folds;
    if (k < 2) throw argument_error(causalrec::cat("causalrec::data::k_fold: folds must be at least 2, got ", k));
    if (k > n) throw argument_error(causalrec::cat("causalrec::data::k_fold: ", k, " folds for only ", n, " rows"));
    rng engine(options.seed);
    std::vector<std::size_t> fold_of(n);
    if (!options.stratify) {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        if (options.shuffle) engine.shuffle(std::span<std::size_t>(order));
        std::size_t pos = 0;
        for (std::size_t f = 0; f < k; ++f) {
            const std::size_t size = n / k + (f < n % k ? 1 : 0);
            for (std::size_t r = 0; r < size; ++r) fold_of[order[pos++]] = f;
        }
    } else {
        if (labels == nullptr) throw argument_error("causalrec::data::k_fold: stratify needs labels");
        if (labels->size() != n) throw shape_error("causalrec::data::k_fold: labels and rows differ in length");
        // Deal the rows of each class round-robin over the folds, continuing where the last class stopped.
        std::size_t next = 0;
        for (auto& rows : detail::rows_by_label(*labels, "k_fold")) {
            if (options.shuffle) engine.shuffle(std::span<std::size_t>(rows));
            for (std::size_t i : rows) fold_of[i] = next++ % k;
        }
    }
    std::vector<split_indices> out(k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t f = 0; f < k; ++f) (f == fold_of[i] ? out[f].test : out[f].train).push_back(i);
    return out;
}

/// K-fold indices for a dataset (labels are used when stratify is set).
template <class T>
std::vector<split_indices> k_fold(const dataset<T>& data, const k_fold_options& options = {}) {
    if (options.stratify && !data.has_labels()) throw argument_error("causalrec::data::k_fold: stratify needs labels");
    return k_fold<T>(data.rows(), options, data.has_labels() ? &data.labels() : nullptr);
}

/// Declares (`extern`) or defines (empty) the explicit instantiations of the splits for value type T
/// (float and double are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_DATA_SPLIT_INSTANTIATIONS(EXTERN, T)                                                         \
    EXTERN template split_indices train_test_split_indices<T>(std::size_t, const split_options&, const vector<T>*); \
    EXTERN template train_test<T> train_test_split<T>(const dataset<T>&, const split_options&);               \
    EXTERN template std::vector<split_indices> k_fold<T>(std::size_t, const k_fold_options&, const vector<T>*); \
    EXTERN template std::vector<split_indices> k_fold<T>(const dataset<T>&, const k_fold_options&);

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_DATA_SPLIT_INSTANTIATIONS(extern, float)
CAUSALREC_DATA_SPLIT_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/split.hpp"
#endif
