#pragma once
/// @file
/// column_transformer: applies preprocessors to subsets of columns and passes the other columns
/// through, like scikit-learn's ColumnTransformer(..., remainder="passthrough"). Output columns are
/// [part 0's output, part 1's output, ..., the columns no part selected, in their original order].
/// Like every preprocessor of the module it rejects infinite values, passed-through columns included.

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"

namespace causalrec::preprocess {

/// A preprocessor bound to the input columns it sees; built by on(step, {indices}).
template <class S>
struct column_part {
    S step;                            ///< the preprocessor
    std::vector<std::size_t> columns;  ///< the input columns it sees, in this order
};

/// Binds a preprocessor to input columns, for columns(on(a, {0, 1}), on(b, {3})).
template <class S>
column_part<S> on(S step, std::vector<std::size_t> columns) {
    return column_part<S>{std::move(step), std::move(columns)};
}

/// Applies each part's preprocessor to its columns and passes the columns no part selected through,
/// like scikit-learn's ColumnTransformer(remainder="passthrough"). Parts may select overlapping columns.
/// A part that selects no column is skipped, as scikit-learn skips an empty selection: its step is
/// not fitted and it adds no output column (a pipeline written for numeric and categorical columns
/// then also runs on data with only one kind).
template <class... S>
class column_transformer {
    static_assert(sizeof...(S) > 0, "column_transformer needs at least one part");

public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "column_transformer";

    /// A transformer of the given parts, not yet fitted; a part with no column is skipped.
    explicit column_transformer(column_part<S>... parts) : parts_(std::move(parts)...) {}

    /// Number of parts.
    static constexpr std::size_t size() noexcept { return sizeof...(S); }

    /// The preprocessor of part I.
    template <std::size_t I>
    auto& step() noexcept {
        return std::get<I>(parts_).step;
    }
    /// The preprocessor of part I.
    template <std::size_t I>
    const auto& step() const noexcept {
        return std::get<I>(parts_).step;
    }
    /// The input columns part I selects.
    template <std::size_t I>
    const std::vector<std::size_t>& columns_of() const noexcept {
        return std::get<I>(parts_).columns;
    }
    /// The input columns passed through unchanged (known after fit), in their original order.
    const std::vector<std::size_t>& remainder() const noexcept { return remainder_; }
    /// Number of columns seen at fit.
    std::size_t n_features_in() const noexcept { return n_features_in_; }

    /// Fits each part on its columns; returns *this.
    template <std::floating_point T>
        requires(Preprocessor<S, T> && ...)
    column_transformer& fit(const matrix<T>& X) {
        prepare(X);
        for_each_part([&](std::size_t, auto& part) {
            if (!part.columns.empty()) part.step.fit(detail::select_columns(X, part.columns));
        });
        fitted_ = true;
        return *this;
    }

    /// [each part's transform of its columns..., the remainder columns].
    template <std::floating_point T>
        requires(Preprocessor<S, T> && ...)
    matrix<T> transform(const matrix<T>& X) const {
        if (!is_fitted()) throw not_fitted_error(causalrec::error_message("preprocess", model_name, "transform called before fit"));
        if (X.shape()[1] != n_features_in_)
            throw shape_error(causalrec::error_message("preprocess", model_name, "X has ", X.shape()[1], " columns, but it was fitted on ",
                                          n_features_in_, " columns"));
        detail::check_no_infinity(X, model_name);
        std::array<matrix<T>, sizeof...(S)> outputs;
        for_each_part([&](std::size_t index, const auto& part) {
            outputs[index] = part.columns.empty() ? make_matrix<T>(X.shape()[0], 0) : part.step.transform(detail::select_columns(X, part.columns));
        });
        return assemble(X, outputs);
    }

    /// Fits each part on its columns and returns the transform of X.
    template <std::floating_point T>
        requires(Preprocessor<S, T> && ...)
    matrix<T> fit_transform(const matrix<T>& X) {
        prepare(X);
        std::array<matrix<T>, sizeof...(S)> outputs;
        for_each_part([&](std::size_t index, auto& part) {
            outputs[index] = part.columns.empty() ? make_matrix<T>(X.shape()[0], 0) : part.step.fit_transform(detail::select_columns(X, part.columns));
        });
        fitted_ = true;
        return assemble(X, outputs);
    }

    /// Whether fit has been called (and every part that selects a column is fitted).
    bool is_fitted() const {
        bool all = fitted_;
        for_each_part([&](std::size_t, const auto& part) { all = all && (part.columns.empty() || static_cast<bool>(part.step.is_fitted())); });
        return all;
    }

    /// Output column names: each part's names for its columns, then the remainder's input names.
    std::vector<std::string> output_names(const std::vector<std::string>& input_names = {}) const
        requires(NamesOutputs<S> && ...)
    {
        const auto names = detail::resolve_names(is_fitted(), input_names, n_features_in_, model_name);
        std::vector<std::string> out;
        for_each_part([&](std::size_t, const auto& part) {
            if (part.columns.empty()) return;
            std::vector<std::string> selected;
            for (std::size_t c : part.columns) selected.push_back(names[c]);
            for (auto& name : part.step.output_names(selected)) out.push_back(std::move(name));
        });
        for (std::size_t c : remainder_) out.push_back(names[c]);
        return out;
    }

    /// Every part's columns and state as JSON.
    nlohmann::json to_json() const {
        nlohmann::json j = detail::state_head(model_name, is_fitted());
        nlohmann::json parts = nlohmann::json::array();
        for_each_part([&](std::size_t, const auto& part) {
            parts.push_back({{"columns", detail::encode_indices(part.columns)}, {"step", part.step.to_json()}});
        });
        j["parts"] = std::move(parts);
        if (is_fitted()) j["state"] = {{"n_features_in", n_features_in_}};
        return j;
    }

    /// Restores a transformer from to_json() output; raises format_error when j is not such a state.
    static column_transformer from_json(const nlohmann::json& j) {
        const detail::state_reader r(j, model_name);
        const auto& parts = r.array(j, "parts", sizeof...(S));
        auto result = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return column_transformer{read_part<S>(r, parts[I], I)...};  // braces: parts read in order
        }(std::index_sequence_for<S...>{});
        if (!r.is_fitted()) return result;
        const auto& st = r.object(j, "state");
        const std::size_t n = r.read_n_features_in(st);
        result.for_each_part([&](std::size_t index, const auto& part) {
            for (std::size_t c : part.columns)
                if (c >= n) r.fail(detail::cat("part ", index, " selects column ", c, " of ", n, " columns"));
            if (!part.columns.empty() && !part.step.is_fitted()) r.fail(detail::cat("the state is fitted, but part ", index, "'s step is not"));
        });
        result.set_layout(n);
        result.fitted_ = true;
        return result;
    }

private:
    /// Reads part `index` of a state; a malformed step is reported as this transformer's format_error.
    template <class P>
    static column_part<P> read_part(const detail::state_reader& r, const nlohmann::json& part, std::size_t index) {
        if (!part.is_object()) r.fail(detail::cat("part ", index, " must be an object"));
        auto columns = r.read_indices(part, "columns");
        try {
            return column_part<P>{P::from_json(r.field(part, "step")), std::move(columns)};
        } catch (const format_error& e) {
            r.fail(detail::cat("part ", index, ": ", e.what()));
        } catch (const nlohmann::json::exception& e) {
            r.fail(detail::cat("part ", index, ": ", e.what()));
        }
    }

    /// Calls f(index, part) for every part, in order.
    template <class F>
    void for_each_part(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(I, std::get<I>(parts_)), ...);
        }(std::index_sequence_for<S...>{});
    }
    template <class F>
    void for_each_part(F&& f) const {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(I, std::get<I>(parts_)), ...);
        }(std::index_sequence_for<S...>{});
    }

    /// Records the column count and the remainder (columns no part selects).
    void set_layout(std::size_t n) {
        std::vector<bool> used(n, false);
        for_each_part([&](std::size_t, const auto& part) {
            for (std::size_t c : part.columns) used[c] = true;
        });
        remainder_.clear();
        for (std::size_t c = 0; c < n; ++c)
            if (!used[c]) remainder_.push_back(c);
        n_features_in_ = n;
    }

    /// Checks X before fitting and records its layout.
    template <class T>
    void prepare(const matrix<T>& X) {
        const std::size_t rows = X.shape()[0], cols = X.shape()[1];
        if (rows == 0)
            throw shape_error(causalrec::error_message("preprocess", model_name, "cannot fit on 0 rows (X has shape (0, ", cols, "))"));
        for_each_part([&](std::size_t index, const auto& part) {
            for (std::size_t c : part.columns)
                if (c >= cols)
                    throw shape_error(causalrec::error_message("preprocess", model_name, "part ", index, " selects column ", c, ", but X has ",
                                                  cols, " columns"));
        });
        detail::check_no_infinity(X, model_name);
        fitted_ = false;
        set_layout(cols);
    }

    /// Concatenates the parts' outputs and the remainder columns of X.
    template <class T>
    matrix<T> assemble(const matrix<T>& X, const std::array<matrix<T>, sizeof...(S)>& outputs) const {
        const std::size_t rows = X.shape()[0];
        std::size_t width = remainder_.size();
        for (std::size_t p = 0; p < outputs.size(); ++p) {
            if (outputs[p].shape()[0] != rows)
                throw shape_error(causalrec::error_message("preprocess", model_name, "part ", p, " returned ", outputs[p].shape()[0],
                                              " rows for an input of ", rows, " rows"));
            width += outputs[p].shape()[1];
        }
        matrix<T> out = make_matrix<T>(rows, width);
        for (std::size_t i = 0; i < rows; ++i) {
            std::size_t k = 0;
            for (const auto& part_out : outputs)
                for (std::size_t c = 0; c < part_out.shape()[1]; ++c) out(i, k++) = part_out(i, c);
            for (std::size_t c : remainder_) out(i, k++) = X(i, c);
        }
        return out;
    }

    std::tuple<column_part<S>...> parts_;
    std::vector<std::size_t> remainder_;
    std::size_t n_features_in_ = 0;
    bool fitted_ = false;
};

/// Applies `step` to the input columns `indices` and passes the other columns through after its output.
template <class S>
column_transformer<S> columns(S step, std::vector<std::size_t> indices) {
    return column_transformer<S>(column_part<S>{std::move(step), std::move(indices)});
}

/// Applies several preprocessors, each to its columns (see on()), and passes the other columns through.
template <class... S>
column_transformer<S...> columns(column_part<S>... parts) {
    return column_transformer<S...>(std::move(parts)...);
}

}  // namespace causalrec::preprocess
