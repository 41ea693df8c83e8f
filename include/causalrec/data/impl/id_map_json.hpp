#pragma once
/// @file
/// Definitions of the id-map JSON functions (included by data/id_map_json.hpp in the header-only
/// build, compiled once into causalrec::compiled with CAUSALREC_COMPILED).

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../id_map_json.hpp"

namespace causalrec::data {

CAUSALREC_INLINE nlohmann::json id_map_to_json(const id_map& map) { return nlohmann::json(map.ids()); }

CAUSALREC_INLINE id_map id_map_from_json(const nlohmann::json& j) {
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

CAUSALREC_INLINE void save_id_map(const id_map& map, const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw error(causalrec::cat("causalrec::data::save_id_map: cannot open '", path, "' for writing"));
    out << id_map_to_json(map).dump();
    if (!out) throw error(causalrec::cat("causalrec::data::save_id_map: write to '", path, "' failed"));
}

CAUSALREC_INLINE id_map load_id_map(const std::string& path) {
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
