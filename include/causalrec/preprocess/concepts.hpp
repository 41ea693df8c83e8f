#pragma once
/// @file
/// Concepts of the preprocess module: what a type must offer to be used as a preprocessor
/// (in pipeline(), columns(), or anywhere the library takes one). No base class is needed.

#include <concepts>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/tensor.hpp"

namespace causalrec::preprocess {

/// A preprocessor of matrix<T>: fit, const transform, fit_transform, is_fitted, to_json and static from_json.
template <class P, class T>
concept Preprocessor = std::floating_point<T> && std::move_constructible<P> &&
                       requires(P& p, const P& cp, const matrix<T>& X, const nlohmann::json& state) {
                           { p.fit(X) } -> std::same_as<P&>;
                           { cp.transform(X) } -> std::same_as<matrix<T>>;
                           { p.fit_transform(X) } -> std::same_as<matrix<T>>;
                           { cp.is_fitted() } -> std::convertible_to<bool>;
                           { cp.to_json() } -> std::same_as<nlohmann::json>;
                           { P::from_json(state) } -> std::same_as<P>;
                       };

/// A preprocessor that names its output columns: output_names(input_names) -> std::vector<std::string>.
template <class P>
concept NamesOutputs = requires(const P& cp, const std::vector<std::string>& names) {
    { cp.output_names(names) } -> std::same_as<std::vector<std::string>>;
};

}  // namespace causalrec::preprocess
