#pragma once
/// @file
/// recode_categories: a second file's categorical columns coded as a first file's. read_csv numbers
/// each file's categories by that file's own sorted names, so the same city can have different
/// codes in train.csv and new.csv; a preprocessor fitted on the first must see the second in the
/// first's codes.

#include <cmath>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "dataset.hpp"

namespace causalrec::data {

/// `data` with every categorical column, and a categorical label, coded as in `reference` (the
/// dataset a model or preprocessor was fitted on): a category the reference has keeps the
/// reference's code; a category it lacks gets a code after the reference's (k, k + 1, ...), so that
/// an encoder fitted on the reference meets it as an unknown category and follows its own rule
/// (`one_hot_unknown::ignore`, or an error). Missing values (NaN) stay missing. Raises shape_error
/// when the column counts differ and argument_error when a column's name differs, or when a column
/// is categorical in one and numeric in the other (read the new file with the same `categorical`
/// list).
template <class T>
dataset<T> recode_categories(dataset<T> data, const dataset<T>& reference) {
    constexpr const char* fn = "causalrec::data::recode_categories";
    if (data.cols() != reference.cols())
        throw shape_error(causalrec::cat(fn, ": data has ", data.cols(), " columns, the reference ", reference.cols()));
    // recode(codes, from, to): codes of `from`'s names become codes of `to`'s, new names appended to `to`.
    const auto recode = [](auto&& code_at, std::size_t n, const std::vector<std::string>& from, std::vector<std::string>& to) {
        std::unordered_map<std::string, std::size_t> index;
        for (std::size_t k = 0; k < to.size(); ++k) index.emplace(to[k], k);
        std::vector<std::size_t> map(from.size());
        for (std::size_t k = 0; k < from.size(); ++k) {
            const auto [it, added] = index.emplace(from[k], to.size());
            if (added) to.push_back(from[k]);
            map[k] = it->second;
        }
        for (std::size_t r = 0; r < n; ++r) {
            T& v = code_at(r);
            if (std::isnan(static_cast<double>(v))) continue;
            const auto k = static_cast<std::size_t>(v);
            if (k >= map.size())
                throw argument_error(causalrec::cat("causalrec::data::recode_categories: code ", static_cast<double>(v), " at row ", r,
                                                    " has no category name"));
            v = static_cast<T>(map[k]);
        }
    };
    auto info = data.columns();
    matrix<T>& x = data.features();
    for (std::size_t j = 0; j < info.size(); ++j) {
        const column_info& ref = reference.columns()[j];
        if (info[j].name != ref.name)
            throw argument_error(causalrec::cat(fn, ": column ", j, " is '", info[j].name, "' in data but '", ref.name, "' in the reference"));
        const bool here = info[j].kind == column_kind::categorical, there = ref.kind == column_kind::categorical;
        if (here != there)
            throw argument_error(causalrec::cat(fn, ": column '", ref.name, "' is ", here ? "categorical" : "numeric", " in data but ",
                                                there ? "categorical" : "numeric", " in the reference (read both with the same categorical list)"));
        if (!here) continue;
        std::vector<std::string> categories = ref.categories;
        recode([&](std::size_t r) -> T& { return x(r, j); }, data.rows(), info[j].categories, categories);
        info[j].categories = std::move(categories);
    }
    data.set_columns(std::move(info));
    if (!data.label_classes().empty() || !reference.label_classes().empty()) {
        if (data.label_classes().empty() || reference.label_classes().empty() || !data.has_labels())
            throw argument_error(causalrec::cat(fn, ": the label is categorical in one dataset only"));
        vector<T> labels = data.labels();
        std::vector<std::string> classes = reference.label_classes();
        recode([&](std::size_t r) -> T& { return labels(r); }, labels.size(), data.label_classes(), classes);
        data.set_labels(std::move(labels));
        data.set_label_classes(std::move(classes));
    }
    return data;
}

}  // namespace causalrec::data
