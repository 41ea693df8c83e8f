#pragma once
/// @file
/// pipeline: a static (std::tuple) composition of preprocessors; each step is fitted on the output
/// of the steps before it, like scikit-learn's Pipeline of transformers.

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"

namespace causalrec::preprocess {

/// Applies its steps in order: fit fits step k on the output of steps 0..k-1; transform chains the
/// steps' transforms. Any type satisfying Preprocessor can be a step, including another pipeline.
template <class... Steps>
class pipeline {
    static_assert(sizeof...(Steps) > 0, "pipeline needs at least one step");

public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "pipeline";

    /// A pipeline of the given steps (taken by value).
    explicit pipeline(Steps... steps) : steps_(std::move(steps)...) {}

    /// Number of steps.
    static constexpr std::size_t size() noexcept { return sizeof...(Steps); }

    /// Step I.
    template <std::size_t I>
    auto& step() noexcept {
        return std::get<I>(steps_);
    }
    /// Step I.
    template <std::size_t I>
    const auto& step() const noexcept {
        return std::get<I>(steps_);
    }

    /// Fits every step in order, each on the previous steps' output; returns *this.
    template <std::floating_point T>
        requires(Preprocessor<Steps, T> && ...)
    pipeline& fit(const matrix<T>& X) {
        fit_from<0>(X);
        return *this;
    }

    /// The steps' transforms applied in order.
    template <std::floating_point T>
        requires(Preprocessor<Steps, T> && ...)
    matrix<T> transform(const matrix<T>& X) const {
        const std::size_t unfitted = first_unfitted();
        if (unfitted < size())
            throw not_fitted_error(
                causalrec::error_message("preprocess", model_name, "transform called before fit (step ", unfitted, " is not fitted)"));
        return transform_from<0>(X);
    }

    /// Fits every step in order and returns the last step's output.
    template <std::floating_point T>
        requires(Preprocessor<Steps, T> && ...)
    matrix<T> fit_transform(const matrix<T>& X) {
        return fit_transform_from<0>(X);
    }

    /// Whether every step is fitted.
    bool is_fitted() const { return first_unfitted() == size(); }

    /// Output column names: each step's output_names applied in order ("x0", "x1", ... when none are given).
    std::vector<std::string> output_names(const std::vector<std::string>& input_names = {}) const
        requires(NamesOutputs<Steps> && ...)
    {
        return names_from<0>(input_names);
    }

    /// Every step's state as JSON: {"type": "pipeline", "version", "fitted", "steps": [...]}.
    nlohmann::json to_json() const {
        nlohmann::json j = detail::state_head(model_name, is_fitted());
        nlohmann::json steps = nlohmann::json::array();
        std::apply([&](const auto&... s) { (steps.push_back(s.to_json()), ...); }, steps_);
        j["steps"] = std::move(steps);
        return j;
    }

    /// Restores a pipeline from to_json() output; raises format_error when j is not such a state.
    static pipeline from_json(const nlohmann::json& j) {
        const detail::state_reader r(j, model_name);
        const auto& steps = r.array(j, "steps", size());
        auto result = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return pipeline{read_step<Steps>(r, steps[I], I)...};  // braces: steps read in order
        }(std::index_sequence_for<Steps...>{});
        if (r.is_fitted() && !result.is_fitted())
            r.fail(detail::cat("the state is fitted, but step ", result.first_unfitted(), " is not"));
        return result;
    }

private:
    /// Reads step `index` of a state; a malformed step is reported as this pipeline's format_error.
    template <class P>
    static P read_step(const detail::state_reader& r, const nlohmann::json& state, std::size_t index) {
        try {
            return P::from_json(state);
        } catch (const format_error& e) {
            r.fail(detail::cat("step ", index, ": ", e.what()));
        } catch (const nlohmann::json::exception& e) {
            r.fail(detail::cat("step ", index, ": ", e.what()));
        }
    }

    /// Index of the first step that is not fitted, or size() when all are.
    std::size_t first_unfitted() const {
        const auto fitted = std::apply(
            [](const auto&... s) { return std::array<bool, sizeof...(Steps)>{static_cast<bool>(s.is_fitted())...}; },
            steps_);
        for (std::size_t i = 0; i < fitted.size(); ++i)
            if (!fitted[i]) return i;
        return size();
    }

    template <std::size_t I, class T>
    void fit_from(const matrix<T>& X) {
        if constexpr (I + 1 == size())
            std::get<I>(steps_).fit(X);
        else
            fit_from<I + 1>(std::get<I>(steps_).fit_transform(X));
    }

    template <std::size_t I, class T>
    matrix<T> fit_transform_from(const matrix<T>& X) {
        if constexpr (I + 1 == size())
            return std::get<I>(steps_).fit_transform(X);
        else
            return fit_transform_from<I + 1>(std::get<I>(steps_).fit_transform(X));
    }

    template <std::size_t I, class T>
    matrix<T> transform_from(const matrix<T>& X) const {
        if constexpr (I + 1 == size())
            return std::get<I>(steps_).transform(X);
        else
            return transform_from<I + 1>(std::get<I>(steps_).transform(X));
    }

    template <std::size_t I>
    std::vector<std::string> names_from(const std::vector<std::string>& names) const {
        if constexpr (I + 1 == size())
            return std::get<I>(steps_).output_names(names);
        else
            return names_from<I + 1>(std::get<I>(steps_).output_names(names));
    }

    std::tuple<Steps...> steps_;
};

/// pipeline(a, b, ...) deduces pipeline<A, B, ...> from its steps (taken by value).
template <class... Steps>
pipeline(Steps...) -> pipeline<Steps...>;

}  // namespace causalrec::preprocess
