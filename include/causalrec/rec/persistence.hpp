#pragma once
/// @file
/// Recommender files: what every recommender's save() and load() share. A recommender file is a
/// safetensors file whose metadata names the format ("causalrec-recommender"), the model and its
/// options (JSON), and holds the training log's user and item id maps (JSON arrays) and counts; the
/// items each user saw in training are two U64 tensors ("seen.row_ptr", "seen.items"), the model's
/// own arrays are further tensors. See docs/rec.md.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../data/id_map_json.hpp"
#include "../data/interactions.hpp"
#include "../io/safetensors.hpp"
#include "common.hpp"
#include "log_summary.hpp"

namespace causalrec::rec {

/// The value of the "format" metadata entry of a recommender file.
inline constexpr std::string_view recommender_format = "causalrec-recommender";

/// The recommender file format version this build writes and reads.
inline constexpr std::uint64_t recommender_format_version = 1;

namespace detail {

/// Converts indices to the U64 values stored in a file.
inline std::vector<std::uint64_t> to_u64(std::span<const std::size_t> v) { return {v.begin(), v.end()}; }

/// Parses a metadata entry as a non-negative integer; raises format_error naming the entry.
CAUSALREC_INLINE std::size_t metadata_count(const io::tensor_file& f, std::string_view key);

/// Parses a JSON metadata entry; raises format_error naming the entry.
CAUSALREC_INLINE nlohmann::json metadata_json(const io::tensor_file& f, std::string_view key);

}  // namespace detail

/// Starts a recommender file for `model`: metadata (format, version, model, options, counts, id
/// maps) and the seen-items tensors of `log`.
CAUSALREC_INLINE io::tensor_file begin_recommender_file(std::string_view model, const nlohmann::json& options, const log_summary& log);

/// A recommender file read back and checked: the tensors, the parsed options and the log summary.
struct opened_recommender {
    io::tensor_file file;        ///< the tensors and metadata
    nlohmann::json options;      ///< the model's options as saved
    log_summary log;             ///< counts, id maps and seen items
};

/// Checks that `f` is a recommender file of `model` and reads the parts every recommender shares;
/// raises format_error naming the file and the fault (wrong format or model, bad counts, id maps
/// or seen-items tensors).
CAUSALREC_INLINE opened_recommender open_recommender_file(io::tensor_file f, std::string_view model);

/// Reads an option of a saved model, raising format_error naming the file when it is absent or of
/// the wrong JSON type.
template <class T>
T saved_option(const opened_recommender& f, std::string_view key) {
    const std::string where = f.file.source().empty() ? std::string("<memory>") : f.file.source();
    if (!f.options.is_object() || !f.options.contains(key))
        throw format_error(causalrec::cat(where, ": saved options have no '", key, "'"));
    try {
        return f.options.at(std::string(key)).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw format_error(causalrec::cat(where, ": saved option '", key, "' has the wrong type"));
    }
}

/// One saved option: its key in the model file and the member of the options struct that holds it.
template <class Options, class T>
struct saved_field {
    std::string_view key;  ///< the key in the file's options object
    T Options::*member;    ///< the option
};

/// The saved_field of `member` under `key`.
template <class Options, class T>
constexpr saved_field<Options, T> field(std::string_view key, T Options::*member) noexcept {
    return {key, member};
}

/// Writes each listed option of `options` into the JSON object `out`; an infinite double is
/// written as +-DBL_MAX (JSON has no infinities; clipping by it is the same).
template <class Options, class... T>
void write_options(nlohmann::json& out, const Options& options, const std::tuple<saved_field<Options, T>...>& fields) {
    std::apply(
        [&](const auto&... f) {
            const auto put = [&](std::string_view key, const auto& v) {
                if constexpr (std::is_floating_point_v<std::remove_cvref_t<decltype(v)>>)
                    out[std::string(key)] = std::isfinite(v) ? v : std::copysign(std::numeric_limits<double>::max(), v);
                else
                    out[std::string(key)] = v;
            };
            (put(f.key, options.*(f.member)), ...);
        },
        fields);
}

/// Reads each listed option of a saved model into `options` (saved_option's errors).
template <class Options, class... T>
void read_options(const opened_recommender& file, Options& options, const std::tuple<saved_field<Options, T>...>& fields) {
    std::apply([&](const auto&... f) { ((options.*(f.member) = saved_option<std::remove_cvref_t<decltype(options.*(f.member))>>(file, f.key)), ...); }, fields);
}

/// Reads the tensor `name` of a saved model, which must have the given shape; raises format_error otherwise.
template <class T>
std::vector<T> saved_values(const opened_recommender& f, std::string_view name, std::vector<std::size_t> shape) {
    const auto& t = f.file.at(name);
    const std::string where = f.file.source().empty() ? std::string("<memory>") : f.file.source();
    if (t.shape != shape)
        throw format_error(causalrec::cat(where, ": tensor '", name, "' has the wrong shape for the saved model"));
    return f.file.get_values<T>(name);
}

/// Writes a recommender to `path` (any model with `to_file()`).
template <class Model>
    requires requires(const Model& m) { { m.to_file() } -> std::same_as<io::tensor_file>; }
void save_recommender(const Model& model, const std::filesystem::path& path) {
    io::save_safetensors(path, model.to_file());
}

/// Reads a recommender of type Model saved by save_recommender() (Model::from_file()); raises
/// format_error when the file is not a recommender file of that model.
template <class Model>
    requires requires(io::tensor_file f) { { Model::from_file(std::move(f)) } -> std::same_as<Model>; }
Model load_recommender(const std::filesystem::path& path) {
    return Model::from_file(io::load_safetensors(path));
}

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/persistence.hpp"
#endif
