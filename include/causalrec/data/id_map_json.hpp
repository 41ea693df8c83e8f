#pragma once
/// @file
/// An id map as JSON (an array of the ids in index order) and as a JSON file. Kept apart from
/// id_map.hpp so that the data module compiles without nlohmann/json; `<causalrec/causalrec.hpp>` and
/// the rec module's model files include it.

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "id_map.hpp"

namespace causalrec::data {

/// The map as JSON: an array of the ids in index order.
inline nlohmann::json id_map_to_json(const id_map& map) { return nlohmann::json(map.ids()); }

/// Reads a map written by id_map_to_json; raises format_error when `j` is not an array of distinct strings.
inline id_map id_map_from_json(const nlohmann::json& j) {
    if (!j.is_array()) throw format_error("causalrec::data::id_map_from_json: JSON must be an array of id strings");
    std::vector<std::string> ids;
    ids.reserve(j.size());
    for (std::size_t k = 0; k < j.size(); ++k) {
        if (!j[k].is_string())
            throw format_error(causalrec::cat("causalrec::data::id_map_from_json: JSON element ", k, " is not a string"));
        ids.push_back(j[k].get<std::string>());
    }
    try {
        return id_map(std::move(ids));
    } catch (const argument_error& e) {
        throw format_error(causalrec::cat("causalrec::data::id_map_from_json: ", e.what()));
    }
}

/// Writes the map as a JSON file.
inline void save_id_map(const id_map& map, const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw error(causalrec::cat("causalrec::data::save_id_map: cannot open '", path, "' for writing"));
    out << id_map_to_json(map).dump();
    if (!out) throw error(causalrec::cat("causalrec::data::save_id_map: write to '", path, "' failed"));
}

/// Reads a map saved by save_id_map; raises format_error naming the file on bad content.
inline id_map load_id_map(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(causalrec::cat("causalrec::data::load_id_map: cannot open '", path, "'"));
    nlohmann::json j;
    try {
        in >> j;
    } catch (const nlohmann::json::exception& e) {
        throw format_error(causalrec::cat(path, ": not valid JSON: ", e.what()));
    }
    try {
        return id_map_from_json(j);
    } catch (const format_error& e) {
        throw format_error(causalrec::cat(path, ": ", e.what()));
    }
}

}  // namespace causalrec::data
