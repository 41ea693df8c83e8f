#pragma once
/// @file
/// Definitions of the non-template functions declared in data/interactions_csv.hpp: included by that header in the
/// header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../interactions_csv.hpp"

namespace causalrec::data {

CAUSALREC_INLINE interactions read_interactions(const std::string& path, const interaction_csv_options& options) {
    detail::check_shard(options.shard.shard, options.shard.shards, "read_interactions");
    auto file = detail::open_for_reading(path);
    detail::file_source source{file.get(), path, "read_interactions"};
    return detail::read_interactions_from(source, options, path, nullptr, nullptr, nullptr);
}

CAUSALREC_INLINE interactions read_interactions_text(std::string_view text, const interaction_csv_options& options,
                                           const std::string& name) {
    detail::memory_source source{text};
    return detail::read_interactions_from(source, options, name, nullptr, nullptr, nullptr);
}

CAUSALREC_INLINE interactions read_interactions(const std::string& path, const id_map& users, const id_map& items,
                                      const interaction_csv_options& options, std::size_t* dropped) {
    detail::check_shard(options.shard.shard, options.shard.shards, "read_interactions");
    auto file = detail::open_for_reading(path);
    detail::file_source source{file.get(), path, "read_interactions"};
    return detail::read_interactions_from(source, options, path, &users, &items, dropped);
}

CAUSALREC_INLINE interactions read_interactions_text(std::string_view text, const id_map& users, const id_map& items,
                                           const interaction_csv_options& options, const std::string& name,
                                           std::size_t* dropped) {
    detail::memory_source source{text};
    return detail::read_interactions_from(source, options, name, &users, &items, dropped);
}

CAUSALREC_INLINE interaction_split read_train_test(const std::string& train_path, const std::string& test_path,
                                         const interaction_csv_options& options) {
    if (options.shard.shards != 1 || options.shard.shard != 0)
        throw argument_error(causalrec::cat("causalrec::data::read_train_test: shard_spec{.shard = ", options.shard.shard,
                                            ", .shards = ", options.shard.shards,
                                            "}: the pair cannot be read in shards, as the test file's ids go through the "
                                            "training file's id maps; read the shards with read_interactions and given id maps"));
    interaction_split out;
    out.train = read_interactions(train_path, options);
    out.test = read_interactions(test_path, out.train.user_ids(), out.train.item_ids(), options, &out.dropped);
    return out;
}

}  // namespace causalrec::data
