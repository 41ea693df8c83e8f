#pragma once
/// @file
/// Definitions of the non-template functions declared in rec/persistence.hpp: included by that header in the
/// header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../persistence.hpp"

namespace causalrec::rec::detail {

CAUSALREC_INLINE std::size_t metadata_count(const io::tensor_file& f, std::string_view key) {
    const auto it = f.metadata.find(std::string(key));
    const std::string where = f.source().empty() ? std::string("<memory>") : f.source();
    if (it == f.metadata.end())
        throw format_error(causalrec::cat(where, ": recommender file has no '", key, "' metadata entry"));
    std::size_t v = 0;
    const auto& s = it->second;
    if (s.empty() || s.size() > 19) throw format_error(causalrec::cat(where, ": metadata '", key, "' is not a count: '", s, "'"));
    for (char c : s) {
        if (c < '0' || c > '9') throw format_error(causalrec::cat(where, ": metadata '", key, "' is not a count: '", s, "'"));
        v = v * 10 + static_cast<std::size_t>(c - '0');
    }
    return v;
}

CAUSALREC_INLINE nlohmann::json metadata_json(const io::tensor_file& f, std::string_view key) {
    const std::string where = f.source().empty() ? std::string("<memory>") : f.source();
    const auto it = f.metadata.find(std::string(key));
    if (it == f.metadata.end())
        throw format_error(causalrec::cat(where, ": recommender file has no '", key, "' metadata entry"));
    try {
        return nlohmann::json::parse(it->second);
    } catch (const nlohmann::json::exception& e) {
        throw format_error(causalrec::cat(where, ": metadata '", key, "' is not valid JSON: ", e.what()));
    }
}

}  // namespace causalrec::rec::detail

namespace causalrec::rec {

CAUSALREC_INLINE io::tensor_file begin_recommender_file(std::string_view model, const nlohmann::json& options, const log_summary& log) {
    io::tensor_file f;
    f.metadata["format"] = std::string(recommender_format);
    f.metadata["format_version"] = std::to_string(recommender_format_version);
    f.metadata["model"] = std::string(model);
    f.metadata["options"] = options.dump();
    f.metadata["n_users"] = std::to_string(log.n_users);
    f.metadata["n_items"] = std::to_string(log.n_items);
    f.metadata["user_ids"] = data::id_map_to_json(log.user_ids).dump();
    f.metadata["item_ids"] = data::id_map_to_json(log.item_ids).dump();
    const auto ptr = detail::to_u64(log.seen.row_ptr), items = detail::to_u64(log.seen.items);
    f.add<std::uint64_t>("seen.row_ptr", std::span<const std::uint64_t>(ptr), {ptr.size()});
    f.add<std::uint64_t>("seen.items", std::span<const std::uint64_t>(items), {items.size()});
    return f;
}

CAUSALREC_INLINE opened_recommender open_recommender_file(io::tensor_file f, std::string_view model) {
    const std::string where = f.source().empty() ? std::string("<memory>") : f.source();
    auto meta = [&](const char* key) -> const std::string* {
        const auto it = f.metadata.find(key);
        return it == f.metadata.end() ? nullptr : &it->second;
    };
    const std::string* format = meta("format");
    if (!format || *format != recommender_format)
        throw format_error(causalrec::cat(where, ": not a causalrec recommender file (format '",
                                                  format ? *format : std::string("<none>"), "')"));
    if (detail::metadata_count(f, "format_version") > recommender_format_version)
        throw format_error(causalrec::cat(where, ": recommender file format version ", detail::metadata_count(f, "format_version"),
                                                  " is newer than this build reads (", recommender_format_version, ")"));
    const std::string* saved_model = meta("model");
    if (!saved_model || *saved_model != model)
        throw format_error(causalrec::cat(where, ": the file holds a '", saved_model ? *saved_model : std::string("<none>"),
                                                  "' recommender, not a '", model, "'"));
    opened_recommender out;
    out.options = detail::metadata_json(f, "options");
    out.log.n_users = detail::metadata_count(f, "n_users");
    out.log.n_items = detail::metadata_count(f, "n_items");
    try {
        out.log.user_ids = data::id_map_from_json(detail::metadata_json(f, "user_ids"));
        out.log.item_ids = data::id_map_from_json(detail::metadata_json(f, "item_ids"));
    } catch (const format_error& e) {
        throw format_error(causalrec::cat(where, ": ", e.what()));
    }
    if (!out.log.user_ids.empty() && out.log.user_ids.size() != out.log.n_users)
        throw format_error(causalrec::cat(where, ": ", out.log.user_ids.size(), " user ids for n_users = ", out.log.n_users));
    if (!out.log.item_ids.empty() && out.log.item_ids.size() != out.log.n_items)
        throw format_error(causalrec::cat(where, ": ", out.log.item_ids.size(), " item ids for n_items = ", out.log.n_items));
    const auto ptr = f.get_values<std::uint64_t>("seen.row_ptr");
    const auto items = f.get_values<std::uint64_t>("seen.items");
    bool ok = ptr.size() == out.log.n_users + 1 && ptr.front() == 0 && ptr.back() == items.size();
    for (std::size_t u = 0; ok && u + 1 < ptr.size(); ++u) ok = ptr[u] <= ptr[u + 1];
    for (std::size_t k = 0; ok && k < items.size(); ++k) ok = items[k] < out.log.n_items;
    if (!ok) throw format_error(causalrec::cat(where, ": the seen-items tensors do not describe ", out.log.n_users, " users of ",
                                                       out.log.n_items, " items"));
    out.log.seen.row_ptr.assign(ptr.begin(), ptr.end());
    out.log.seen.items.assign(items.begin(), items.end());
    out.file = std::move(f);
    return out;
}

}  // namespace causalrec::rec
