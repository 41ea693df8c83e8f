#pragma once
/// @file
/// Model files: a model's parameters, its architecture and optionally a fitted preprocessor in one
/// safetensors file (`save_model`, `load_model`, `load_preprocessor`). The weights are plain
/// safetensors tensors, so NumPy or Python's safetensors package reads them; the rest lives in the
/// string metadata. Loading checks that the file is a causalrec model of this model's architecture
/// and value type, and writes nothing into the model unless the whole file is valid. See docs/io.md.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/parameter.hpp"
#include "detail/common.hpp"
#include "safetensors.hpp"

namespace causalrec::io {

/// The value of the "format" metadata entry of a model file.
inline constexpr std::string_view model_format = "causalrec-model";

/// The newest model file format version this build writes and reads ("format_version").
inline constexpr std::uint64_t model_format_version = 1;

/// What a model file holds besides the weights: a fitted preprocessor's state and free user metadata.
struct model_extras {
    nlohmann::json preprocessor{};                ///< a fitted preprocessor's to_json(), or null for none
    std::map<std::string, std::string> user{};    ///< free metadata, stored as "user.<key>" entries
};

namespace detail {

/// The element type of a parameter_view.
template <class View>
struct parameter_view_value {};
/// The element type of a parameter_view<T>: T.
template <class T>
struct parameter_view_value<parameter_view<T>> {
    using type = T;
};

/// The value type of a model: Model::value_type, or the element type of its parameters() views.
template <class Model>
struct model_value {
    using type = typename parameter_view_value<
        std::remove_cvref_t<std::ranges::range_value_t<decltype(std::declval<Model&>().parameters())>>>::type;
};
/// The value type of a model that declares one.
template <class Model>
    requires requires { typename Model::value_type; }
struct model_value<Model> {
    using type = typename Model::value_type;
};

}  // namespace detail

/// A model that model files can hold: parameters() gives parameter_view<T> ranges with T float or double.
template <class Model>
concept SavableModel = requires(Model& m) {
    { m.parameters() } -> std::ranges::range;
    typename detail::model_value<Model>::type;
} && (std::same_as<typename detail::model_value<Model>::type, float> ||
      std::same_as<typename detail::model_value<Model>::type, double>);

/// A model that names its parameters: named_parameters() -> pairs of name and parameter_view.
template <class Model>
concept NamesParameters = requires(Model& m) { m.named_parameters(); };

/// A model that describes its architecture as JSON: config().
template <class Model>
concept DescribesArchitecture = requires(const Model& m) {
    { m.config() } -> std::convertible_to<nlohmann::json>;
};

/// The value type (float or double) of a SavableModel.
template <SavableModel Model>
using model_value_t = typename detail::model_value<Model>::type;

namespace detail {

/// Deepest JSON nesting accepted in the architecture and preprocessor entries.
inline constexpr int max_model_json_depth = 64;

/// "float32" / "float64": the value_type entry of a model file.
template <class T>
constexpr std::string_view value_type_name() noexcept {
    return std::is_same_v<T, float> ? std::string_view("float32") : std::string_view("float64");
}

/// A parameter tensor of a model paired with its name in a model file.
template <class T>
using named_view = std::pair<std::string, parameter_view<T>>;

/// The model's parameters paired with their names in a file: named_parameters() when the model has
/// it, else "param<k>.<name>" (or "param<k>" for an unnamed view) in parameters() order.
template <class Model>
std::vector<named_view<model_value_t<Model>>> named_views(Model& model) {
    std::vector<named_view<model_value_t<Model>>> out;
    if constexpr (NamesParameters<Model>) {
        for (const auto& [name, view] : model.named_parameters()) out.emplace_back(std::string(name), view);
    } else {
        std::size_t k = 0;
        for (const auto& view : model.parameters()) {
            std::string name = cat("param", k++);
            if (!view.name.empty()) name.append(".").append(view.name);
            out.emplace_back(std::move(name), view);
        }
    }
    return out;
}

/// The shape a view is stored with: its own shape when that holds exactly its values, else [size].
template <class T>
std::vector<std::size_t> view_shape(const parameter_view<T>& view) {
    const auto count = checked_product(view.shape);
    if (!view.shape.empty() && count && *count == view.size())
        return std::vector<std::size_t>(view.shape.begin(), view.shape.end());
    return {view.size()};
}

/// Parses JSON text held in the metadata entry `entry` of the model file `where`; raises format_error
/// ("<where>: the '<entry>' entry ...") when it is not valid JSON or nests deeper than max_model_json_depth.
CAUSALREC_INLINE nlohmann::json parse_entry(std::string_view text, std::string_view entry, const std::string& where);

/// A JSON value shortened for a message.
CAUSALREC_INLINE std::string short_json(const nlohmann::json& j);

/// Where the architecture in the file (`a`) first differs from the model's (`b`), as
/// "layers[2].out is 1 in the file, 8 in this model"; nothing when they are equal.
CAUSALREC_INLINE std::optional<std::string> json_difference(const nlohmann::json& a, const nlohmann::json& b,
                                                            const std::string& path);

/// JSON text of `j` for a metadata entry; raises argument_error when j holds invalid UTF-8.
CAUSALREC_INLINE std::string dump_entry(const nlohmann::json& j, std::string_view what);

/// The metadata entry `key` of `file`, or nullptr when it has none.
inline const std::string* metadata_entry(const tensor_file& file, std::string_view key) {
    const auto it = file.metadata.find(std::string(key));
    return it == file.metadata.end() ? nullptr : &it->second;
}

/// Checks the "format", "format_version" and "value_type" entries of the model file `file` (named
/// `where` in messages) against a model of value type `expected_value_type`; raises format_error otherwise.
CAUSALREC_INLINE void check_model_header(const tensor_file& file, std::string_view expected_value_type,
                                         const std::string& where);

/// make_model_file for the model whose named parameters are `views` and whose architecture is
/// `architecture` (nullptr for a model without config()). The model-independent part of the model
/// files, compiled once per value type with CAUSALREC_COMPILED.
CAUSALREC_INLINE tensor_file model_file_from(std::span<const named_view<float>> views, const nlohmann::json* architecture,
                                             const model_extras& extras);
/// make_model_file for double parameters (see the float overload).
CAUSALREC_INLINE tensor_file model_file_from(std::span<const named_view<double>> views, const nlohmann::json* architecture,
                                             const model_extras& extras);

/// read_model_file for the model whose named parameters are `views` and whose architecture is
/// `architecture` (nullptr for a model without config()): checks the whole file, then copies its
/// values into the views. The model-independent part of the model files.
CAUSALREC_INLINE model_extras read_model_file_into(const tensor_file& file, std::span<const named_view<float>> views,
                                                   const nlohmann::json* architecture);
/// read_model_file_into for double parameters (see the float overload).
CAUSALREC_INLINE model_extras read_model_file_into(const tensor_file& file, std::span<const named_view<double>> views,
                                                   const nlohmann::json* architecture);

}  // namespace detail

/// The model file of `model` as an in-memory tensor_file: one tensor per parameter (named by
/// named_parameters(), else "param<k>.<name>"; F32 or F64; the view's shape) and the metadata
/// "format", "format_version", "value_type", "architecture" (config().dump(), when the model has
/// config()), "preprocessor" (extras.preprocessor.dump(), when not null) and "user.<key>". Raises
/// argument_error when a name, a user entry or the preprocessor state is not valid UTF-8.
template <SavableModel Model>
tensor_file make_model_file(Model& model, const model_extras& extras = {}) {
    using T = model_value_t<Model>;
    const auto views = detail::named_views(model);
    if constexpr (DescribesArchitecture<Model>) {
        const nlohmann::json architecture(model.config());
        return detail::model_file_from(std::span<const detail::named_view<T>>(views), &architecture, extras);
    } else {
        return detail::model_file_from(std::span<const detail::named_view<T>>(views), nullptr, extras);
    }
}

/// Loads the model file `file` (from load_safetensors or tensor_file::from_bytes) into `model`, an
/// existing model of the same architecture and value type; returns the preprocessor state and user
/// metadata. Raises format_error naming the file and the fault when the file is not a causalrec
/// model, is of a newer format version, holds another value type or architecture, lacks a tensor or
/// has an extra one, has a tensor of another dtype or shape, or holds a preprocessor entry that is not
/// JSON. The model is written only after the whole file has been checked.
template <SavableModel Model>
model_extras read_model_file(const tensor_file& file, Model& model) {
    using T = model_value_t<Model>;
    const auto views = detail::named_views(model);
    if constexpr (DescribesArchitecture<Model>) {
        const nlohmann::json architecture(model.config());
        return detail::read_model_file_into(file, std::span<const detail::named_view<T>>(views), &architecture);
    } else {
        return detail::read_model_file_into(file, std::span<const detail::named_view<T>>(views), nullptr);
    }
}

/// Saves `model` (its parameters, architecture and value type) and `extras` to `path` in the
/// safetensors layout (see make_model_file). The file is written to "<path>.tmp" and renamed, so a
/// crash never leaves a truncated model. Raises causalrec::error when the file cannot be written.
template <SavableModel Model>
void save_model(const std::filesystem::path& path, Model& model, const model_extras& extras = {}) {
    save_safetensors(path, make_model_file(model, extras));
}

/// Loads the model file at `path` into `model`, an existing model of the same architecture and value
/// type, and returns the preprocessor state and user metadata it holds. Raises format_error naming
/// the file and the fault (see read_model_file); the model is unchanged when the file is rejected.
template <SavableModel Model>
model_extras load_model(const std::filesystem::path& path, Model& model) {
    return read_model_file(load_safetensors(path), model);
}

/// The preprocessor saved with a model: Preprocessor::from_json(extras.preprocessor). Raises
/// format_error when the file held no preprocessor or its state is not one of a Preprocessor.
template <class Preprocessor>
Preprocessor load_preprocessor(const model_extras& extras) {
    if (extras.preprocessor.is_null())
        throw format_error("causalrec::io::load_preprocessor: the model file holds no preprocessor (save it with "
                           "save_model(path, model, {.preprocessor = prep.to_json()}))");
    try {
        return Preprocessor::from_json(extras.preprocessor);
    } catch (const nlohmann::json::exception& e) {
        throw format_error(detail::cat("causalrec::io::load_preprocessor: the saved state does not fit: ", detail::printable(e.what(), 160)));
    }
}

}  // namespace causalrec::io

#if CAUSALREC_HEADER_ONLY
#include "impl/model.hpp"
#endif
