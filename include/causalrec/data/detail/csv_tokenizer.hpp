#pragma once
/// @file
/// Streaming RFC 4180 tokenizer: reads a source in fixed-size chunks and yields one record at a time
/// as string views into its buffer, so a file of any size is never held in memory as a whole.

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <system_error>
#include <string>
#include <string_view>
#include <vector>

#if !defined(_WIN32)
#include <sys/types.h>  // off_t, for fseeko
#endif

#include "../../core/error.hpp"
#include "../../core/message.hpp"

namespace causalrec::data::detail {

/// Reads bytes from a C stream; a read error (not the end of the file) raises causalrec::error naming
/// the file and the byte offset, so a partial table is never returned as if the file had ended.
struct file_source {
    std::FILE* file;                ///< the open stream
    std::string_view name{};        ///< the file's name in messages
    std::string_view reader = "read_csv";  ///< the public function reading it, in messages
    std::uint64_t offset = 0;       ///< bytes read so far

    /// Up to n bytes; 0 at the end of the file.
    std::size_t read(char* dst, std::size_t n) {
        errno = 0;
        const std::size_t got = std::fread(dst, 1, n, file);
        offset += got;
        if (got < n && std::ferror(file)) {
            const int code = errno;
            throw error(causalrec::error_message("data", reader, "reading '", name, "' failed at byte ", offset, ": ",
                                       code != 0 ? std::strerror(code) : "read error"));
        }
        return got;
    }

    /// Moves to byte `position` of the file; raises causalrec::error when the stream cannot seek.
    void seek(std::uint64_t position) {
        if (seek_stream(position, SEEK_SET) != 0)
            throw error(causalrec::error_message("data", reader, "seeking to byte ", position, " of '", name,
                                                 "' failed: ", std::strerror(errno)));
        offset = position;
    }

    /// The file's size in bytes; the stream stays where it was. Raises parse_error when the stream
    /// cannot seek (a pipe or a terminal), which a sharded read needs.
    std::uint64_t size() {
        errno = 0;
        const long long here = tell_stream();
        long long end = -1;
        if (here >= 0 && seek_stream(0, SEEK_END) == 0) end = tell_stream();
        const int code = errno;
        if (here < 0 || end < 0 || seek_stream(static_cast<std::uint64_t>(here), SEEK_SET) != 0)
            throw parse_error(std::string(name), 0, 0,
                              causalrec::cat("cannot be read in shards: its size is unknown (",
                                             code != 0 ? std::strerror(code) : "the stream cannot seek", ")"));
        return static_cast<std::uint64_t>(end);
    }

private:
    int seek_stream(std::uint64_t position, int whence) {
#if defined(_WIN32)
        return _fseeki64(file, static_cast<long long>(position), whence);
#else
        return fseeko(file, static_cast<off_t>(position), whence);
#endif
    }
    long long tell_stream() {
#if defined(_WIN32)
        return _ftelli64(file);
#else
        return static_cast<long long>(ftello(file));
#endif
    }
};

/// Opens `path` for reading; raises parse_error (line 0) when it is a directory or cannot be opened,
/// with the system's reason.
inline std::unique_ptr<std::FILE, int (*)(std::FILE*)> open_for_reading(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw parse_error(path, 0, 0, "is a directory, not a file");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) throw parse_error(path, 0, 0, causalrec::cat("cannot open the file: ", std::strerror(errno)));
    return file;
}

/// Reads bytes from text held in memory.
struct memory_source {
    std::string_view text;  ///< the whole input
    std::size_t pos = 0;    ///< offset of the next byte to read

    /// Up to n bytes; 0 at the end of the text.
    std::size_t read(char* dst, std::size_t n) {
        const std::size_t k = std::min(n, text.size() - pos);
        std::memcpy(dst, text.data() + pos, k);
        pos += k;
        return k;
    }
    /// Moves to byte `position` (at most the end of the text).
    void seek(std::uint64_t position) noexcept {
        pos = static_cast<std::size_t>(std::min<std::uint64_t>(position, text.size()));
    }
    /// The text's size in bytes.
    std::uint64_t size() const noexcept { return text.size(); }
};

/// Reads at most `left` more bytes of another source: the part of a file one shard reads.
template <class Source>
struct bounded_source {
    Source& source;      ///< the source, positioned at the first byte of the part
    std::uint64_t left;  ///< bytes of the part not read yet

    /// Up to n bytes; 0 at the end of the part.
    std::size_t read(char* dst, std::size_t n) {
        const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(n, left));
        if (k == 0) return 0;
        const std::size_t got = source.read(dst, k);
        left -= got;
        return got;
    }
};

/// Splits a delimited text source into records of fields. Quoted fields may contain delimiters,
/// line breaks and doubled quotes; "\n" and "\r\n" both end a record; blank lines are skipped.
template <class Source>
class csv_tokenizer {
public:
    /// A tokenizer reading from `source`; `file` names the input in error messages. The source's first
    /// byte lies on line `first_line`; a UTF-8 byte-order mark there is skipped when `at_file_start`
    /// (false when the source starts inside a file, at a record of a shard).
    csv_tokenizer(Source& source, char delimiter, std::string file, std::size_t chunk_bytes, std::size_t first_line = 1,
                  bool at_file_start = true)
        : source_(source),
          delimiter_(delimiter),
          file_(std::move(file)),
          buffer_(std::max<std::size_t>(chunk_bytes, 64)),
          bom_checked_(!at_file_start),
          line_(first_line) {}

    /// Reads the next record into `fields` (views valid until the next call); false at end of input.
    bool next(std::vector<std::string_view>& fields) {
        for (;;) {
            const parse_result r = parse_record(fields);
            if (r == parse_result::record) return true;
            if (r == parse_result::end) return false;
            refill();  // parse_result::need_more: the record crosses the end of the buffer
        }
    }

    /// 1-based line on which the last record returned by next() starts.
    std::size_t line() const noexcept { return record_line_; }

    /// Name of the input used in error messages.
    const std::string& file() const noexcept { return file_; }

    /// Bytes of the source before the input not read yet (a byte-order mark included): after next()
    /// returned a record, the offset at which the next record (or blank line) begins.
    std::uint64_t offset() const noexcept { return discarded_ + begin_; }

    /// 1-based line on which the input not read yet begins.
    std::size_t next_line() const noexcept { return line_; }

private:
    enum class parse_result { record, need_more, end };

    void refill() {
        if (begin_ > 0) {
            discarded_ += begin_;
            std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // one record longer than a chunk
        const std::size_t got = source_.read(buffer_.data() + end_, buffer_.size() - end_);
        end_ += got;
        if (got == 0) eof_ = true;
        if (!bom_checked_ && (end_ >= 3 || eof_)) {
            bom_checked_ = true;
            if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) begin_ = 3;
        }
    }

    parse_result parse_record(std::vector<std::string_view>& fields) {
        if (!bom_checked_) return parse_result::need_more;
        const char* const buf = buffer_.data();
        std::size_t pos = begin_;
        std::size_t lines = 0;  // line breaks consumed by this record, committed only when it completes
        // Skip blank lines.
        for (;;) {
            if (pos == end_) {
                if (!eof_) return parse_result::need_more;
                begin_ = pos;
                line_ += lines;
                return parse_result::end;
            }
            if (buf[pos] == '\n') {
                ++pos;
                ++lines;
            } else if (buf[pos] == '\r') {
                if (pos + 1 == end_ && !eof_) return parse_result::need_more;
                pos += (pos + 1 < end_ && buf[pos + 1] == '\n') ? 2 : 1;
                ++lines;
            } else {
                break;
            }
        }
        const std::size_t start_line = line_ + lines, blank_lines = lines;
        fields.clear();
        std::size_t n_unescaped = 0;
        for (;;) {
            if (pos < end_ && buf[pos] == '"') {
                const std::size_t open = pos;
                std::size_t q = pos + 1;
                bool escaped = false;
                std::size_t close;
                for (;;) {
                    const void* hit = q < end_ ? std::memchr(buf + q, '"', end_ - q) : nullptr;
                    if (hit == nullptr) {
                        if (!eof_) return parse_result::need_more;
                        throw parse_error(file_, start_line, fields.size() + 1,
                                          "quoted field is not closed before the end of the file");
                    }
                    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - buf);
                    if (at + 1 == end_ && !eof_) return parse_result::need_more;
                    if (at + 1 < end_ && buf[at + 1] == '"') {  // doubled quote inside the field
                        escaped = true;
                        q = at + 2;
                        continue;
                    }
                    close = at;
                    break;
                }
                for (std::size_t k = open + 1; k < close; ++k) lines += buf[k] == '\n';
                std::string_view content(buf + open + 1, close - open - 1);
                if (escaped) {
                    if (n_unescaped == unescaped_.size()) unescaped_.emplace_back();
                    std::string& s = unescaped_[n_unescaped++];
                    s.clear();
                    for (std::size_t k = 0; k < content.size(); ++k) {
                        s.push_back(content[k]);
                        if (content[k] == '"') ++k;  // skip the second quote of a pair
                    }
                    content = s;
                }
                fields.push_back(content);
                pos = close + 1;
                if (pos < end_ && buf[pos] != delimiter_ && buf[pos] != '\n' && buf[pos] != '\r') {
                    std::string msg = "unexpected character '";
                    msg.push_back(buf[pos]);
                    msg.append("' after the closing quote of a field");
                    throw parse_error(file_, start_line + (lines - blank_lines), fields.size(), msg);
                }
            } else {
                const std::size_t start = pos;
                pos = find_field_end(buf, pos, end_);
                if (pos == end_ && !eof_) return parse_result::need_more;
                fields.emplace_back(buf + start, pos - start);
            }
            if (pos == end_) break;  // end of input ends the last record
            const char c = buf[pos];
            if (c == delimiter_) {
                ++pos;
                if (pos == end_) {
                    if (!eof_) return parse_result::need_more;
                    fields.emplace_back();  // trailing delimiter at end of input: one more empty field
                    break;
                }
                continue;
            }
            if (c == '\r') {
                if (pos + 1 == end_ && !eof_) return parse_result::need_more;
                pos += (pos + 1 < end_ && buf[pos + 1] == '\n') ? 2 : 1;
            } else {
                ++pos;  // '\n'
            }
            ++lines;
            break;
        }
        record_line_ = start_line;
        line_ += lines;
        begin_ = pos;
        return parse_result::record;
    }

    /// Position of the first delimiter, '\n' or '\r' in [pos, end), or end. Scans eight bytes at a
    /// time on little-endian machines (a zero-byte test on the word XOR each special character).
    std::size_t find_field_end(const char* buf, std::size_t pos, std::size_t end) const noexcept {
        if constexpr (std::endian::native == std::endian::little) {
            constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
            const std::uint64_t d = ones * static_cast<unsigned char>(delimiter_);
            constexpr std::uint64_t lf = ones * '\n', cr = ones * '\r';
            auto zero_bytes = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
            while (pos + 8 <= end) {
                std::uint64_t w;
                std::memcpy(&w, buf + pos, 8);
                const std::uint64_t hits = zero_bytes(w ^ d) | zero_bytes(w ^ lf) | zero_bytes(w ^ cr);
                if (hits != 0) return pos + static_cast<std::size_t>(std::countr_zero(hits)) / 8;
                pos += 8;
            }
        }
        for (; pos < end; ++pos) {
            const char c = buf[pos];
            if (c == delimiter_ || c == '\n' || c == '\r') break;
        }
        return pos;
    }

    Source& source_;
    char delimiter_;
    std::string file_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;
    std::uint64_t discarded_ = 0;  // bytes moved out of the front of the buffer
    bool eof_ = false;
    bool bom_checked_ = false;
    std::size_t line_ = 1;         // line on which the unread input starts
    std::size_t record_line_ = 0;  // line on which the last record started
    // Storage of the fields that contained doubled quotes. A deque: growing it never moves the strings
    // that earlier fields of the same record point into (a vector would, invalidating their views).
    std::deque<std::string> unescaped_;
};

}  // namespace causalrec::data::detail
