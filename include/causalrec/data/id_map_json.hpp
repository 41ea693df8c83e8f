#pragma once
/// @file
/// An id map as JSON (an array of the ids in index order) and as a JSON file. Kept apart from
/// id_map.hpp so that the data module compiles without nlohmann/json; `<causalrec/causalrec.hpp>` and
/// the rec module's model files include it.

#include <string>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "id_map.hpp"

namespace causalrec::data {

/// The map as JSON: an array of the ids in index order.
CAUSALREC_INLINE nlohmann::json id_map_to_json(const id_map& map);

/// Reads a map written by id_map_to_json; raises format_error when `j` is not an array of distinct strings.
CAUSALREC_INLINE id_map id_map_from_json(const nlohmann::json& j);

/// Writes the map as a JSON file.
CAUSALREC_INLINE void save_id_map(const id_map& map, const std::string& path);

/// Reads a map saved by save_id_map; raises format_error naming the file on bad content.
CAUSALREC_INLINE id_map load_id_map(const std::string& path);

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/id_map_json.hpp"
#endif
