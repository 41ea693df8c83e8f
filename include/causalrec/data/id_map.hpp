#pragma once
/// @file
/// Id maps of interaction logs: original (text) ids to dense indices and back.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "../core/message.hpp"
#include "../core/error.hpp"

namespace causalrec::data {

/// A bijection between original ids (kept as text) and dense indices 0..n-1, in order of first
/// appearance. Integer ids are kept as their text, so "7" and "07" are different ids.
class id_map {
public:
    /// An empty map.
    id_map() = default;

    /// A map whose index k is ids[k]; raises argument_error on a duplicate id.
    explicit id_map(std::vector<std::string> ids) {
        for (auto& id : ids) {
            if (index_.count(id) != 0) throw argument_error(causalrec::cat("causalrec::data::id_map: duplicate id '", id, "'"));
            insert(id);
        }
    }

    /// Number of ids.
    std::size_t size() const noexcept { return ids_.size(); }

    /// True when the map holds no id.
    bool empty() const noexcept { return ids_.empty(); }

    /// The index of `id`, adding it at the end when it is new.
    std::size_t insert(std::string_view id) {
        auto it = index_.find(id);
        if (it != index_.end()) return it->second;
        const std::size_t k = ids_.size();
        ids_.emplace_back(id);
        index_.emplace(std::string(id), k);
        return k;
    }

    /// The index of `id`, or nothing when the id is unknown.
    std::optional<std::size_t> find(std::string_view id) const {
        auto it = index_.find(id);
        if (it == index_.end()) return std::nullopt;
        return it->second;
    }

    /// True when `id` is in the map.
    bool contains(std::string_view id) const { return index_.find(id) != index_.end(); }

    /// The index of `id`; raises argument_error when the id is unknown.
    std::size_t index_of(std::string_view id) const {
        auto it = index_.find(id);
        if (it == index_.end()) throw argument_error(causalrec::cat("causalrec::data::id_map: unknown id '", id, "'"));
        return it->second;
    }

    /// The original id of index `k`; raises argument_error when k >= size().
    const std::string& id_of(std::size_t k) const {
        if (k >= ids_.size())
            throw argument_error(causalrec::cat("causalrec::data::id_map: index ", k, " is out of range (size ", ids_.size(), ")"));
        return ids_[k];
    }

    /// All ids, by index.
    const std::vector<std::string>& ids() const noexcept { return ids_; }

    /// The map as JSON: an array of the ids in index order.
    nlohmann::json to_json() const { return nlohmann::json(ids_); }

    /// Reads a map written by to_json(); raises format_error when `j` is not an array of distinct strings.
    static id_map from_json(const nlohmann::json& j) {
        if (!j.is_array()) throw format_error("causalrec::data::id_map: JSON must be an array of id strings");
        id_map m;
        for (std::size_t k = 0; k < j.size(); ++k) {
            if (!j[k].is_string())
                throw format_error(causalrec::cat("causalrec::data::id_map: JSON element ", k, " is not a string"));
            const auto& s = j[k].get_ref<const std::string&>();
            if (m.contains(s)) throw format_error(causalrec::cat("causalrec::data::id_map: JSON element ", k, " repeats id '", s, "'"));
            m.insert(s);
        }
        return m;
    }

    /// Writes the map as a JSON file.
    void save(const std::string& path) const {
        std::ofstream out(path, std::ios::binary);
        if (!out) throw error(causalrec::cat("causalrec::data::id_map: cannot open '", path, "' for writing"));
        out << to_json().dump();
        if (!out) throw error(causalrec::cat("causalrec::data::id_map: write to '", path, "' failed"));
    }

    /// Reads a map saved by save(); raises format_error naming the file on bad content.
    static id_map load(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw error(causalrec::cat("causalrec::data::id_map: cannot open '", path, "'"));
        nlohmann::json j;
        try {
            in >> j;
        } catch (const nlohmann::json::exception& e) {
            throw format_error(causalrec::cat(path, ": not valid JSON: ", e.what()));
        }
        try {
            return from_json(j);
        } catch (const format_error& e) {
            throw format_error(causalrec::cat(path, ": ", e.what()));
        }
    }

    /// Maps are equal when they hold the same ids in the same order.
    friend bool operator==(const id_map& a, const id_map& b) { return a.ids_ == b.ids_; }

private:
    std::vector<std::string> ids_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace causalrec::data
