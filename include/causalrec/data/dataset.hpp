#pragma once
/// @file
/// A tabular dataset: a feature matrix with named columns, labels, and optional sample weights,
/// treatment indicators and row ids. Categorical columns are held as category codes (0..k-1, NaN when
/// missing) with the category names alongside, so the whole feature table is one matrix<T>.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"

namespace causalrec::data {

/// Whether a feature column holds numbers or category codes.
enum class column_kind { numeric, categorical };

/// Name and kind of one feature column; for categorical columns, the category names by code.
struct column_info {
    std::string name;                     ///< column name (from the CSV header or given by the user)
    column_kind kind = column_kind::numeric;  ///< numeric values or categorical codes
    std::vector<std::string> categories;  ///< category name of code i (categorical columns only)
};

/// A table of samples: features (rows x columns), labels, optional weights, treatment and ids.
template <class T>
class dataset {
public:
    /// Value type of the features and labels.
    using value_type = T;

    /// An empty dataset.
    dataset() = default;

    /// A dataset from a feature matrix and optional labels (length must equal the row count).
    /// Column names default to x0, x1, ...; all columns are numeric.
    explicit dataset(matrix<T> features, vector<T> labels = {}, std::vector<std::string> names = {});

    /// Number of rows (samples).
    std::size_t rows() const noexcept { return features_.shape()[0]; }
    /// Number of feature columns.
    std::size_t cols() const noexcept { return features_.shape()[1]; }
    /// True when the dataset has no rows.
    bool empty() const noexcept { return rows() == 0; }

    /// The feature matrix (rows x cols).
    const matrix<T>& features() const noexcept { return features_; }
    /// The feature matrix, writable (shape must stay the same).
    matrix<T>& features() noexcept { return features_; }

    /// True when labels are present.
    bool has_labels() const noexcept { return has_labels_; }
    /// The labels; throws argument_error when the dataset has none.
    const vector<T>& labels() const { return require(has_labels_, labels_, "labels"); }
    /// Sets the labels (length must equal rows()).
    void set_labels(vector<T> y) { check_length(y, "labels"); labels_ = std::move(y); has_labels_ = true; }

    /// True when per-sample weights are present.
    bool has_weights() const noexcept { return has_weights_; }
    /// The per-sample weights; throws argument_error when absent.
    const vector<T>& weights() const { return require(has_weights_, weights_, "weights"); }
    /// Sets per-sample weights (length must equal rows()).
    void set_weights(vector<T> w) { check_length(w, "weights"); weights_ = std::move(w); has_weights_ = true; }

    /// True when a treatment indicator is present.
    bool has_treatment() const noexcept { return has_treatment_; }
    /// The treatment indicator (or dose) per row; throws argument_error when absent.
    const vector<T>& treatment() const { return require(has_treatment_, treatment_, "treatment"); }
    /// Sets the treatment column (length must equal rows()).
    void set_treatment(vector<T> t) { check_length(t, "treatment"); treatment_ = std::move(t); has_treatment_ = true; }

    /// Row ids (empty when the dataset has no id column).
    const std::vector<std::string>& ids() const noexcept { return ids_; }
    /// Sets row ids (length must equal rows()).
    void set_ids(std::vector<std::string> ids);

    /// Description of every feature column, in matrix order.
    const std::vector<column_info>& columns() const noexcept { return columns_; }
    /// Replaces the column descriptions (one per feature column).
    void set_columns(std::vector<column_info> info);
    /// The feature column names, in matrix order.
    std::vector<std::string> feature_names() const;
    /// Index of the feature column with this name; throws argument_error when absent.
    std::size_t column_index(const std::string& name) const;
    /// Indices of the categorical feature columns.
    std::vector<std::size_t> categorical_columns() const { return columns_of(column_kind::categorical); }
    /// Indices of the numeric feature columns.
    std::vector<std::size_t> numeric_columns() const { return columns_of(column_kind::numeric); }

    /// Class names when the label column was categorical text (label value i is class i); else empty.
    const std::vector<std::string>& label_classes() const noexcept { return label_classes_; }
    /// Sets the class names of a categorical label.
    void set_label_classes(std::vector<std::string> classes) { label_classes_ = std::move(classes); }

    /// A new dataset holding the given rows, in the given order (indices may repeat).
    dataset subset(std::span<const std::size_t> row_indices) const;

private:
    std::vector<std::size_t> columns_of(column_kind kind) const;
    std::string length_message(const char* what, std::size_t got) const;
    void check_length(const vector<T>& v, const char* what) const {
        if (v.size() != rows()) throw shape_error(length_message(what, v.size()));
    }
    static const vector<T>& require(bool present, const vector<T>& v, const char* what) {
        if (!present) throw argument_error(causalrec::error_message("data", "dataset", "the dataset has no ", what));
        return v;
    }

    matrix<T> features_ = make_matrix<T>(0, 0);
    vector<T> labels_, weights_, treatment_;
    bool has_labels_ = false, has_weights_ = false, has_treatment_ = false;
    std::vector<std::string> ids_;
    std::vector<column_info> columns_;
    std::vector<std::string> label_classes_;
};

// The members defined outside the class: with the compiled part (CAUSALREC_COMPILED), dataset<float>
// and dataset<double> are instantiated once in causalrec::compiled and not in every program.

template <class T>
dataset<T>::dataset(matrix<T> features, vector<T> labels, std::vector<std::string> names) : features_(std::move(features)) {
    if (!names.empty() && names.size() != cols())
        throw shape_error(causalrec::cat("causalrec::data::dataset: ", names.size(), " column names for ", cols(), " feature columns"));
    columns_.resize(cols());
    for (std::size_t j = 0; j < cols(); ++j)
        columns_[j].name = names.empty() ? std::string("x").append(std::to_string(j)) : std::move(names[j]);
    if (labels.size() > 0) set_labels(std::move(labels));
}

template <class T>
void dataset<T>::set_ids(std::vector<std::string> ids) {
    if (ids.size() != rows()) throw shape_error(length_message("ids", ids.size()));
    ids_ = std::move(ids);
}

template <class T>
void dataset<T>::set_columns(std::vector<column_info> info) {
    if (info.size() != cols())
        throw shape_error(causalrec::cat("causalrec::data::dataset: ", info.size(), " column descriptions for ", cols(), " feature columns"));
    columns_ = std::move(info);
}

template <class T>
std::vector<std::string> dataset<T>::feature_names() const {
    std::vector<std::string> out;
    out.reserve(columns_.size());
    for (const auto& c : columns_) out.push_back(c.name);
    return out;
}

template <class T>
std::size_t dataset<T>::column_index(const std::string& name) const {
    for (std::size_t j = 0; j < columns_.size(); ++j)
        if (columns_[j].name == name) return j;
    throw argument_error(causalrec::cat("causalrec::data::dataset: no feature column named '", name, "'"));
}

template <class T>
dataset<T> dataset<T>::subset(std::span<const std::size_t> row_indices) const {
    const std::size_t d = cols();
    const std::size_t n = rows();
    dataset out;
    out.features_ = make_matrix<T>(row_indices.size(), d);
    const T* src = features_.data();
    T* dst = out.features_.data();
    for (std::size_t r = 0; r < row_indices.size(); ++r) {
        const std::size_t i = row_indices[r];
        if (i >= n)
            throw shape_error(causalrec::cat("causalrec::data::dataset::subset: row index ", i, " out of range for ", n, " rows"));
        std::copy_n(src + i * d, d, dst + r * d);
    }
    out.columns_ = columns_;
    out.label_classes_ = label_classes_;
    auto take = [&](const vector<T>& v) {
        vector<T> s = make_vector<T>(row_indices.size());
        for (std::size_t r = 0; r < row_indices.size(); ++r) s(r) = v(row_indices[r]);
        return s;
    };
    if (has_labels_) out.set_labels(take(labels_));
    if (has_weights_) out.set_weights(take(weights_));
    if (has_treatment_) out.set_treatment(take(treatment_));
    if (!ids_.empty()) {
        std::vector<std::string> ids;
        ids.reserve(row_indices.size());
        for (std::size_t i : row_indices) ids.push_back(ids_[i]);
        out.ids_ = std::move(ids);
    }
    return out;
}

template <class T>
std::vector<std::size_t> dataset<T>::columns_of(column_kind kind) const {
    std::vector<std::size_t> out;
    for (std::size_t j = 0; j < columns_.size(); ++j)
        if (columns_[j].kind == kind) out.push_back(j);
    return out;
}

template <class T>
std::string dataset<T>::length_message(const char* what, std::size_t got) const {
    return causalrec::error_message("data", "dataset", what, " has ", got, " entries but the features have ", rows(), " rows");
}

#if !CAUSALREC_HEADER_ONLY
extern template class dataset<float>;
extern template class dataset<double>;
#endif

}  // namespace causalrec::data
