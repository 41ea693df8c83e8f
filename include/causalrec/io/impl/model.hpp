#pragma once
/// @file
/// Definitions of the non-template helpers of io/model.hpp (JSON entries of model files, the header
/// checks): included by that header in the header-only build, compiled once into causalrec::compiled
/// with CAUSALREC_COMPILED.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "../model.hpp"

namespace causalrec::io::detail {

CAUSALREC_INLINE nlohmann::json parse_entry(std::string_view text, std::string_view entry, const std::string& where) {
    using json = nlohmann::json;
    const auto failure = [&where](const std::string& reason) { return format_error(cat(where, ": ", reason)); };
    try {
        return json::parse(text.begin(), text.end(), [&](int depth, json::parse_event_t, json&) {
            if (depth > max_model_json_depth)
                throw failure(cat("the '", entry, "' entry nests deeper than ", max_model_json_depth, " levels"));
            return true;
        });
    } catch (const json::exception& e) {
        throw failure(cat("the '", entry, "' entry is not valid JSON: ", printable(e.what(), 160)));
    }
}

CAUSALREC_INLINE std::string short_json(const nlohmann::json& j) {
    return printable(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 60);
}

CAUSALREC_INLINE std::optional<std::string> json_difference(const nlohmann::json& a, const nlohmann::json& b,
                                                            const std::string& path) {
    if (a == b) return std::nullopt;
    const std::string here = path.empty() ? std::string("the top level") : path;
    const auto child = [&path](std::string_view key) { return path.empty() ? std::string(key) : cat(path, ".", key); };
    if (a.is_object() && b.is_object()) {
        for (const auto& [key, value] : b.items()) {
            const auto it = a.find(key);
            if (it == a.end()) return cat(child(printable(key, 40)), " is missing in the file");
            if (auto d = json_difference(*it, value, child(printable(key, 40)))) return d;
        }
        for (const auto& [key, value] : a.items())
            if (!b.contains(key)) return cat(child(printable(key, 40)), " is in the file but not in this model");
        return std::nullopt;
    }
    if (a.is_array() && b.is_array()) {
        const std::size_t common = std::min(a.size(), b.size());
        std::optional<std::string> first;
        for (std::size_t i = 0; i < common && !first; ++i) first = json_difference(a[i], b[i], cat(path, "[", i, "]"));
        if (a.size() == b.size()) return first;
        std::string s = cat(here, " has ", a.size(), " entries in the file, ", b.size(), " in this model");
        if (first) s.append(" (first difference: ").append(*first).append(")");
        else s.append(cat(" (the first ", common, " agree)"));
        return s;
    }
    return cat(here, " is ", short_json(a), " in the file, ", short_json(b), " in this model");
}

CAUSALREC_INLINE std::string dump_entry(const nlohmann::json& j, std::string_view what) {
    try {
        return j.dump();
    } catch (const nlohmann::json::exception& e) {
        throw argument_error(cat("causalrec::io::save_model: the ", what, " cannot be written as JSON: ", printable(e.what(), 160)));
    }
}

CAUSALREC_INLINE void check_model_header(const tensor_file& file, std::string_view expected_value_type, const std::string& where) {
    const auto fail = [&where](const auto&... parts) { return format_error(cat(where, ": ", parts...)); };
    const auto entry = [&file](std::string_view key) { return metadata_entry(file, key); };
    const auto shown = [](const std::string& text) { return quote(printable(text, 40)); };

    // Format, version, value type.
    const std::string* format = entry("format");
    if (format == nullptr)
        throw fail("not a causalrec model file (no 'format' metadata entry; a plain safetensors file?)");
    if (*format != model_format)
        throw fail("not a causalrec model file ('format' is ", shown(*format), ", expected '", model_format, "')");
    const std::string* version_text = entry("format_version");
    if (version_text == nullptr) throw fail("the 'format_version' metadata entry is missing");
    std::uint64_t version = 0;
    {
        const char* first = version_text->data();
        const char* last = first + version_text->size();
        const auto r = std::from_chars(first, last, version);
        const bool digits = !version_text->empty() && version_text->find_first_not_of("0123456789") == std::string::npos;
        if (!digits || r.ptr != last || version == 0) {
            if (digits && r.ec == std::errc::result_out_of_range)
                throw fail("format version ", shown(*version_text), " is newer than this causalrec reads (",
                           model_format_version, ")");
            throw fail("'format_version' is ", shown(*version_text), ", not a version number");
        }
    }
    if (version > model_format_version)
        throw fail("format version ", version, " is newer than this causalrec reads (", model_format_version,
                   "); update causalrec");
    const std::string* value_type = entry("value_type");
    if (value_type == nullptr) throw fail("the 'value_type' metadata entry is missing");
    if (*value_type != expected_value_type)
        throw fail("the file holds ", shown(*value_type), " weights, this model is ", expected_value_type);
}

/// model_file_from for either value type.
template <class T>
tensor_file model_file_from_views(std::span<const named_view<T>> views, const nlohmann::json* architecture,
                                  const model_extras& extras) {
    tensor_file file;
    for (const auto& [name, view] : views)
        file.add<T>(name, std::span<const T>(view.value.data(), view.value.size()), view_shape(view));
    file.metadata["format"] = std::string(model_format);
    file.metadata["format_version"] = std::to_string(model_format_version);
    file.metadata["value_type"] = std::string(value_type_name<T>());
    if (architecture != nullptr) file.metadata["architecture"] = dump_entry(*architecture, "architecture (config())");
    if (!extras.preprocessor.is_null()) file.metadata["preprocessor"] = dump_entry(extras.preprocessor, "preprocessor state");
    for (const auto& [key, value] : extras.user) file.metadata[cat("user.", key)] = value;
    return file;
}

/// read_model_file_into for either value type.
template <class T>
model_extras read_model_file_into_views(const tensor_file& file, std::span<const named_view<T>> views,
                                        const nlohmann::json* architecture) {
    const std::string where = file.source().empty() ? std::string("model file") : file.source();
    const auto fail = [&where](const auto&... parts) { return format_error(cat(where, ": ", parts...)); };
    check_model_header(file, value_type_name<T>(), where);
    const auto entry = [&file](std::string_view key) { return metadata_entry(file, key); };

    // Architecture.
    if (architecture != nullptr) {
        const std::string* text = entry("architecture");
        if (text == nullptr) throw fail("the 'architecture' metadata entry is missing");
        const nlohmann::json saved = parse_entry(*text, "architecture", where);
        if (const auto d = json_difference(saved, *architecture, "")) throw fail("architecture differs from this model's: ", *d);
    }

    // Tensors: every parameter present with the right dtype and shape, nothing else.
    std::set<std::string, std::less<>> expected;
    for (const auto& [name, view] : views) expected.insert(name);
    for (const auto& [name, view] : views) {
        if (!file.contains(name))
            throw fail("tensor ", quote(name), " is missing (this model has ", views.size(), " parameter tensors, the file ",
                       file.size(), ")");
        const tensor& t = file.at(name);
        const auto shape = view_shape(view);
        if (t.type != dtype_of<T>)
            throw fail("tensor ", quote(name), " has dtype ", dtype_name(t.type), "; this model needs ", dtype_name(dtype_of<T>));
        if (t.shape != shape)
            throw fail("tensor ", quote(name), " has shape ", shape_string(t.shape), "; this model needs ", shape_string(shape));
    }
    for (const auto& [name, t] : file.tensors())
        if (expected.find(name) == expected.end()) throw fail("tensor ", quote(name), " is not a parameter of this model");

    // Extras.
    model_extras extras;
    if (const std::string* text = entry("preprocessor")) extras.preprocessor = parse_entry(*text, "preprocessor", where);
    for (const auto& [key, value] : file.metadata)
        if (key.rfind("user.", 0) == 0) extras.user.emplace(key.substr(5), value);

    // Everything checked: read the values, then write them into the model.
    std::vector<std::vector<T>> values;
    values.reserve(views.size());
    for (const auto& [name, view] : views) values.push_back(file.get_values<T>(name));
    for (std::size_t k = 0; k < views.size(); ++k)
        if (!values[k].empty()) std::memcpy(views[k].second.value.data(), values[k].data(), values[k].size() * sizeof(T));
    return extras;
}

CAUSALREC_INLINE tensor_file model_file_from(std::span<const named_view<float>> views, const nlohmann::json* architecture,
                                             const model_extras& extras) {
    return model_file_from_views(views, architecture, extras);
}

CAUSALREC_INLINE tensor_file model_file_from(std::span<const named_view<double>> views, const nlohmann::json* architecture,
                                             const model_extras& extras) {
    return model_file_from_views(views, architecture, extras);
}

CAUSALREC_INLINE model_extras read_model_file_into(const tensor_file& file, std::span<const named_view<float>> views,
                                                   const nlohmann::json* architecture) {
    return read_model_file_into_views(file, views, architecture);
}

CAUSALREC_INLINE model_extras read_model_file_into(const tensor_file& file, std::span<const named_view<double>> views,
                                                   const nlohmann::json* architecture) {
    return read_model_file_into_views(file, views, architecture);
}

}  // namespace causalrec::io::detail
