#pragma once
/// @file
/// Id maps of interaction logs: original (text) ids to dense indices and back.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

#include "../core/message.hpp"
#include "../core/error.hpp"

namespace causalrec::data {

/// A bijection between original ids (kept as text) and dense indices 0..n-1, in order of first
/// appearance. Integer ids are kept as their text, so "7" and "07" are different ids.
class id_map {
public:
    /// An empty map.
    id_map() = default;

    /// A map whose index k is ids[k]; raises argument_error naming the first repeated id.
    explicit id_map(std::vector<std::string> ids) {
        for (std::size_t k = 0; k < ids.size(); ++k) {
            if (index_.count(ids[k]) != 0)
                throw argument_error(causalrec::cat("causalrec::data::id_map: element ", k, " repeats id '", ids[k], "'"));
            insert(ids[k]);
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

    /// Maps are equal when they hold the same ids in the same order.
    friend bool operator==(const id_map& a, const id_map& b) { return a.ids_ == b.ids_; }

private:
    std::vector<std::string> ids_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

}  // namespace causalrec::data
