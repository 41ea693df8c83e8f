#pragma once
/// @file
/// Reading a growing interaction log (a CSV file that another process appends to) batch by batch,
/// without loading the whole file: each next() returns the complete records appended since the last
/// call, with user and item ids mapped through id maps that grow with the new ids.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "detail/csv_tokenizer.hpp"
#include "id_map.hpp"
#include "interaction_log.hpp"
#include "interactions_csv.hpp"

namespace causalrec::data {

/// A growing interaction log read batch by batch. The file is read from where the last call stopped;
/// a record that is not complete yet (no line break after it, outside quotes) is left for the next
/// call. Ids map through the stream's id maps: known ids keep their index, new ids are appended, so
/// the indices of a model trained on earlier batches stay valid (pass its maps to start from them).
class interaction_stream {
public:
    /// A stream over `path` with the columns of `options` (header, delimiter, column roles);
    /// `users` and `items` are the id maps to start from (empty: ids are numbered as they come).
    /// The file may not exist yet: next() returns empty batches until it does.
    explicit interaction_stream(std::string path, interaction_csv_options options = {}, id_map users = {}, id_map items = {})
        : path_(std::move(path)), options_(std::move(options)), users_(std::move(users)), items_(std::move(items)) {
        if (options_.shard.shards != 1)
            throw argument_error("causalrec::data::interaction_stream: a stream reads the whole file; shards are for read_interactions");
        header_pending_ = options_.header;
        options_.header = false;
    }

    /// The complete records appended since the last call (at most max_rows of them), as a log over
    /// the stream's users and items so far (n_users / n_items are the maps' sizes). Empty when there is
    /// nothing new. Raises parse_error (naming the file and line) for a malformed record, and
    /// causalrec::error when the file cannot be read.
    interactions next(std::size_t max_rows = std::numeric_limits<std::size_t>::max()) {
        std::string text = read_new_bytes();
        std::size_t pos = 0;
        if (header_pending_) {
            const std::size_t end = record_end(text, 0);
            if (end == std::string::npos) return empty();  // the header is not complete yet
            read_header(std::string_view(text).substr(0, end));
            header_pending_ = false;
            pos = end;
        }
        // Complete records (line breaks outside quotes), at most max_rows of them.
        std::size_t end = pos, records = 0;
        while (records < max_rows) {
            const std::size_t e = record_end(text, end);
            if (e == std::string::npos) break;
            const std::string_view record = std::string_view(text).substr(end, e - end);
            end = e;
            if (record.find_first_not_of("\r\n") != std::string_view::npos) ++records;
        }
        const std::string_view batch_text = std::string_view(text).substr(pos, end - pos);
        offset_ += end;
        const std::size_t first_line = line_;
        for (std::size_t i = pos; i < end; ++i) line_ += text[i] == '\n';
        if (records == 0) return empty();
        const interactions local =
            read_interactions_text(batch_text, options_, cat(path_, " (lines from ", first_line, ")"));
        return remap(local);
    }

    /// The user id map so far.
    const id_map& users() const noexcept { return users_; }
    /// The item id map so far.
    const id_map& items() const noexcept { return items_; }
    /// Bytes of the file consumed so far (complete records and the header).
    std::uint64_t offset() const noexcept { return offset_; }

private:
    /// The bytes appended since the last call ("" when the file does not exist yet).
    std::string read_new_bytes() const {
        std::FILE* f = std::fopen(path_.c_str(), "rb");
        if (f == nullptr) return {};
        std::string out;
        if (std::fseek(f, static_cast<long>(offset_), SEEK_SET) == 0) {
            char buffer[1 << 16];
            std::size_t got;
            while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, got);
        }
        const bool failed = std::ferror(f) != 0;
        std::fclose(f);
        if (failed) throw error(cat("causalrec::data::interaction_stream: cannot read ", path_));
        return out;
    }

    /// The position just after the line break that ends the record starting at `from` (quotes
    /// followed as RFC 4180 does), or npos when the record is not complete.
    static std::size_t record_end(const std::string& text, std::size_t from) {
        bool quoted = false;
        for (std::size_t i = from; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '"') quoted = !quoted;
            else if (c == '\n' && !quoted) return i + 1;
        }
        return std::string::npos;
    }

    void read_header(std::string_view line) {
        // The header's fields become the column names of every later batch.
        std::vector<std::string> names;
        std::string field;
        bool quoted = false;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const char c = line[i];
            if (c == '"') {
                if (quoted && i + 1 < line.size() && line[i + 1] == '"') field += '"', ++i;
                else quoted = !quoted;
            } else if (c == options_.delimiter && !quoted) {
                names.push_back(std::move(field));
                field.clear();
            } else if (c != '\r' && c != '\n') {
                field += c;
            }
        }
        names.push_back(std::move(field));
        options_.column_names = std::move(names);
        line_ = 2;
    }

    /// A batch read with its own id maps, re-indexed through the stream's maps.
    interactions remap(const interactions& local) {
        interaction_columns c = local.columns();
        std::vector<std::size_t> user_index(local.n_users()), item_index(local.n_items());
        for (std::size_t u = 0; u < user_index.size(); ++u) user_index[u] = users_.insert(local.user_ids().id_of(u));
        for (std::size_t i = 0; i < item_index.size(); ++i) item_index[i] = items_.insert(local.item_ids().id_of(i));
        for (auto& u : c.users) u = user_index[u];
        for (auto& i : c.items) i = item_index[i];
        c.n_users = users_.size();
        c.n_items = items_.size();
        c.user_ids = users_;
        c.item_ids = items_;
        return interactions(std::move(c));
    }

    interactions empty() const {
        return interactions(interaction_columns{.n_users = users_.size(), .n_items = items_.size(), .duplicates = options_.duplicates,
                                                .user_ids = users_, .item_ids = items_});
    }

    std::string path_;
    interaction_csv_options options_;
    id_map users_, items_;
    bool header_pending_ = true;
    std::uint64_t offset_ = 0;
    std::size_t line_ = 1;
};

}  // namespace causalrec::data
