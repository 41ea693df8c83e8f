#pragma once
/// @file
/// The concepts of the metrics module: what a metric's inputs must offer (value_array) and what a
/// metric must offer (Metric, WeightedMetric) to be computed by the training loop or early stopping.

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>

namespace causalrec::metrics {

namespace detail {
/// The element type behind C's data() pointer, without const.
template <class C>
using element_t = std::remove_cv_t<std::remove_pointer_t<decltype(std::declval<const C&>().data())>>;

/// True for the character types, which are arithmetic but never numbers a metric should read.
template <class T>
inline constexpr bool is_character_v =
    std::is_same_v<T, char> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;
}  // namespace detail

/// A contiguous array of numbers with data() and size(): causalrec::vector<T>, causalrec::matrix<T> of
/// shape (n, 1), std::vector<T>, std::array<T, N>, std::span<const T>, contiguous xtensor views.
template <class C>
concept value_array = requires(const C& c) {
    {c.data()};
    { c.size() } -> std::convertible_to<std::size_t>;
}
&&std::is_pointer_v<decltype(std::declval<const C&>().data())>&& std::is_arithmetic_v<detail::element_t<C>> &&
    !detail::is_character_v<detail::element_t<C>>;

/// A metric over labels and scores given as std::span<const T>: `m(y_true, y_score) -> double`,
/// `m.name()` (anything a std::string can be built from) and `m.greater_is_better()` (true for scores
/// such as accuracy or ROC-AUC, false for losses and errors such as log-loss or MSE). Any plain struct
/// with these members qualifies; no base class is needed.
template <class M, class T = double>
concept Metric = requires(const M& m, std::span<const T> y_true, std::span<const T> y_score) {
    { m(y_true, y_score) } -> std::convertible_to<double>;
    std::string(m.name());
    { m.greater_is_better() } -> std::convertible_to<bool>;
};

/// A Metric that also takes per-sample weights: `m(y_true, y_score, sample_weight) -> double`.
template <class M, class T = double>
concept WeightedMetric = Metric<M, T> &&
    requires(const M& m, std::span<const T> y_true, std::span<const T> y_score, std::span<const T> sample_weight) {
    { m(y_true, y_score, sample_weight) } -> std::convertible_to<double>;
};

}  // namespace causalrec::metrics
