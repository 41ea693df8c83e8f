#pragma once
/// @file
/// Where one shard of a delimited file begins and ends. Shard k of S owns the records whose first
/// byte lies in [k*N/S, (k+1)*N/S) of the file's N bytes. Whether a byte is inside a quoted field
/// depends on every byte before it, so a shard follows the quoting of the bytes before its end once,
/// chunk by chunk (memchr and eight bytes at a time; nothing is held but one chunk), and then hands
/// its byte range to the tokenizer, which reads it with file-absolute line numbers.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "csv_tokenizer.hpp"

namespace causalrec::data::detail {

/// Raises argument_error unless shard < shards (and shards >= 1); `reader` names the public function.
inline void check_shard(std::size_t shard, std::size_t shards, std::string_view reader) {
    if (shards == 0)
        throw argument_error(causalrec::error_message("data", reader, "shard_spec{.shard = ", shard,
                                                      ", .shards = 0}: the number of shards must be at least 1"));
    if (shard >= shards)
        throw argument_error(causalrec::error_message("data", reader, "shard_spec{.shard = ", shard, ", .shards = ", shards,
                                                      "}: the shard index must be below the number of shards"));
}

/// floor(k * size / shards), exact and without overflow for shards below 2^32.
constexpr std::uint64_t shard_offset(std::uint64_t size, std::uint64_t k, std::uint64_t shards) noexcept {
    return (size / shards) * k + (size % shards) * k / shards;
}

/// How many bytes of [p, p + n) equal c. Eight bytes at a time: an exact zero-byte test of the word
/// XOR c marks the matching bytes, and per-byte counters are summed every 255 words.
inline std::size_t count_byte(const char* p, std::size_t n, char c) noexcept {
    constexpr std::uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL, lanes = 0x00FF00FF00FF00FFULL;
    const std::uint64_t pattern = 0x0101010101010101ULL * static_cast<unsigned char>(c);
    std::size_t count = 0, i = 0;
    while (i + 8 <= n) {
        std::uint64_t counters = 0;  // one 8-bit counter per byte position
        for (int k = 0; k < 255 && i + 8 <= n; ++k, i += 8) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            const std::uint64_t v = w ^ pattern;
            counters += (~(((v & low7) + low7) | v) >> 7) & 0x0101010101010101ULL;  // 1 where the byte is c
        }
        const std::uint64_t pairs = (counters & lanes) + ((counters >> 8) & lanes);
        count += static_cast<std::size_t>((pairs * 0x0001000100010001ULL) >> 48);
    }
    for (; i < n; ++i) count += p[i] == c;
    return count;
}

/// Follows the quoting of a delimited byte stream fed to it in pieces, exactly as csv_tokenizer reads
/// it: a quote opens a quoted field only at the start of a field (elsewhere it is a character of an
/// unquoted field), a doubled quote inside one is a quote character, and lines are counted as the
/// tokenizer counts them ('\n' anywhere, a '\r' not followed by '\n' outside quoted fields). It
/// keeps no bytes but the last one.
class quote_tracker {
public:
    /// A tracker positioned at the start of a record that begins on line `line`.
    quote_tracker(char delimiter, std::size_t line) noexcept : delimiter_(delimiter), first_line_(line) {}

    /// Follows the bytes [p, p + n), the next ones of the stream.
    void scan(const char* p, std::size_t n) {
        if (n == 0) return;
        if (mode_ == mode::unquoted && prev_ == '\r' && p[0] != '\n') ++lone_returns_;
        std::size_t quote = find(p, 0, n, '"'), ret = find(p, 0, n, '\r');  // next ones at or after i
        std::size_t i = 0;
        while (i < n) {
            if (mode_ == mode::after_quote) {  // the previous piece ended with a quote inside a quoted field
                if (p[i] == '"') {             // the second quote of a doubled pair
                    mode_ = mode::quoted;
                    ++i;
                    continue;
                }
                close_field(p[i]);  // p[i] is read again outside the field
                continue;
            }
            if (quote < i) quote = find(p, i, n, '"');
            if (mode_ == mode::quoted) {
                if (quote == n) break;
                if (quote + 1 == n) {
                    mode_ = mode::after_quote;
                    break;
                }
                if (p[quote + 1] == '"') {
                    i = quote + 2;
                    continue;
                }
                i = quote + 1;
                close_field(p[i]);
                continue;
            }
            // Outside quoted fields only quotes and carriage returns matter.
            if (ret < i) ret = find(p, i, n, '\r');
            const std::size_t j = std::min(quote, ret);
            if (j == n) break;
            i = j + 1;
            if (j == ret) {
                if (i < n && p[i] != '\n') ++lone_returns_;
                continue;
            }
            const char before = j > 0 ? p[j - 1] : prev_;
            if (before == delimiter_ || before == '\n' || before == '\r') mode_ = mode::quoted;
        }
        newlines_ += count_byte(p, n, '\n');
        prev_ = p[n - 1];
    }

    /// True when the position after the bytes followed so far begins a record; `next` is the byte
    /// there (-1 at the end of the stream), which tells "\r\n" from a lone '\r'.
    bool at_record_start(int next) const noexcept {
        return mode_ == mode::unquoted && (prev_ == '\n' || (prev_ == '\r' && next != '\n'));
    }

    /// The 1-based line of the position after the bytes followed so far (`next` as in at_record_start).
    std::size_t line(int next) const noexcept {
        const bool pending = mode_ == mode::unquoted && prev_ == '\r' && next != '\n';
        return first_line_ + static_cast<std::size_t>(newlines_ + lone_returns_) + (pending ? 1 : 0);
    }

    /// True inside a quoted field (its closing quote not seen yet).
    bool in_quoted_field() const noexcept { return mode_ == mode::quoted; }

    /// True once a closing quote was followed by a character other than the delimiter or a line
    /// break: input the tokenizer rejects, after which the quoting cannot be followed.
    bool malformed() const noexcept { return malformed_; }

private:
    enum class mode : std::uint8_t { unquoted, quoted, after_quote };

    static std::size_t find(const char* p, std::size_t from, std::size_t n, char c) noexcept {
        const void* hit = std::memchr(p + from, c, n - from);
        return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - p) : n;
    }

    void close_field(char next) noexcept {
        mode_ = mode::unquoted;
        if (next != delimiter_ && next != '\n' && next != '\r') malformed_ = true;
    }

    char delimiter_;
    std::size_t first_line_;
    mode mode_ = mode::unquoted;
    char prev_ = '\n';  // the last byte followed; '\n' at the start, which begins a record
    std::uint64_t newlines_ = 0, lone_returns_ = 0;
    bool malformed_ = false;
};

/// Reads a source forward in chunks through a quote_tracker, stopping at chosen offsets and at
/// record starts.
template <class Source>
class record_cursor {
public:
    /// A cursor over `source`, which is positioned at `position`, the start of a record on line `line`.
    record_cursor(Source& source, std::uint64_t position, std::size_t line, char delimiter, std::size_t chunk_bytes)
        : source_(source), tracker_(delimiter, line), buffer_(std::max<std::size_t>(chunk_bytes, 64)), position_(position) {}

    /// Steps over a UTF-8 byte-order mark at the cursor (used at the start of a file).
    void skip_byte_order_mark() {
        fill();
        if (end_ - pos_ >= 3 && std::memcmp(buffer_.data() + pos_, "\xEF\xBB\xBF", 3) == 0) {
            pos_ += 3;
            position_ += 3;
        }
    }

    /// Follows the bytes up to offset `target` (or the end of the input); nothing when already there.
    void skip_to(std::uint64_t target) {
        while (position_ < target && fill()) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(end_ - pos_, target - position_));
            advance(n);
        }
    }

    /// Follows bytes, a line at a time, until the cursor is at the start of a record or at the end
    /// of the input, and returns that offset.
    std::uint64_t to_record_start() {
        for (;;) {
            const int next = peek();
            if (next < 0 || tracker_.at_record_start(next)) return position_;
            const char* p = buffer_.data() + pos_;
            const std::size_t n = end_ - pos_;
            std::size_t k = 0;
            while (k < n && p[k] != '\n' && p[k] != '\r') ++k;
            advance(k < n ? k + 1 : n);
        }
    }

    /// The 1-based line of the cursor.
    std::size_t line() { return tracker_.line(peek()); }

    /// True when the input ended inside a quoted field.
    bool ended_in_quoted_field() { return peek() < 0 && tracker_.in_quoted_field(); }

    /// The tracker (for malformed()).
    const quote_tracker& tracker() const noexcept { return tracker_; }

private:
    bool fill() {
        if (pos_ < end_) return true;
        if (eof_) return false;
        pos_ = 0;
        end_ = source_.read(buffer_.data(), buffer_.size());
        eof_ = end_ == 0;
        return !eof_;
    }

    int peek() { return fill() ? static_cast<unsigned char>(buffer_[pos_]) : -1; }

    void advance(std::size_t n) {
        tracker_.scan(buffer_.data() + pos_, n);
        pos_ += n;
        position_ += n;
    }

    Source& source_;
    quote_tracker tracker_;
    std::vector<char> buffer_;
    std::size_t pos_ = 0, end_ = 0;
    bool eof_ = false;
    std::uint64_t position_;
};

/// The part of a file one shard reads: the records in bytes [begin, end), the first on line `line`.
struct shard_range {
    std::uint64_t begin = 0;  ///< offset of the shard's first record (a record start, or the end)
    std::uint64_t end = 0;    ///< offset of the next shard's first record (a record start, or the end)
    std::size_t line = 1;     ///< 1-based line on which `begin` lies
};

/// Raises the tokenizer's own parse_error for quoting that the tracker could not follow (a character
/// after a closing quote, a quoted field open at the end of the file): tokenizes the data region from
/// its start until that error, so the message is the one a whole-file read gives.
template <class Source>
[[noreturn]] void raise_quoting_error(Source& source, std::uint64_t data_begin, std::size_t data_line, char delimiter,
                                      std::size_t chunk_bytes, const std::string& file) {
    source.seek(data_begin);
    csv_tokenizer<Source> tokens(source, delimiter, file, chunk_bytes, data_line, data_begin == 0);
    std::vector<std::string_view> fields;
    while (tokens.next(fields)) {
    }
    throw parse_error(file, data_line, 0, "the quoting of the file cannot be followed to the start of the shard");
}

/// Finds the records of shard `shard` of `shards` in a source of `size` bytes whose data region (the
/// records after the header) starts at `data_begin`, a record start on line `data_line`. Follows the
/// bytes from `data_begin` to the end of the shard's range once. Malformed quoting before the shard
/// raises the parse_error a whole-file read raises; malformed quoting inside it is left to the
/// shard's tokenizer, which meets it first.
template <class Source>
shard_range locate_shard(Source& source, std::uint64_t size, std::uint64_t data_begin, std::size_t data_line,
                         std::size_t shard, std::size_t shards, char delimiter, std::size_t chunk_bytes,
                         const std::string& file) {
    source.seek(data_begin);
    record_cursor<Source> cursor(source, data_begin, data_line, delimiter, chunk_bytes);
    if (data_begin == 0) cursor.skip_byte_order_mark();
    cursor.skip_to(shard_offset(size, shard, shards));
    shard_range range;
    range.begin = cursor.to_record_start();
    range.line = cursor.line();
    if (cursor.tracker().malformed() || cursor.ended_in_quoted_field())
        raise_quoting_error(source, data_begin, data_line, delimiter, chunk_bytes, file);
    cursor.skip_to(shard_offset(size, shard + 1, shards));
    range.end = cursor.to_record_start();
    return range;
}

}  // namespace causalrec::data::detail
