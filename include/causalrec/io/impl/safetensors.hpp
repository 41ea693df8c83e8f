#pragma once
/// @file
/// Definitions of the non-template parts of io/safetensors.hpp (tensor_file's parsing and layout,
/// load_safetensors, save_safetensors): included by that header in the header-only build, compiled
/// once into causalrec::compiled with CAUSALREC_COMPILED.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../safetensors.hpp"

namespace causalrec::io {

CAUSALREC_INLINE tensor_file& tensor_file::add(std::string name, tensor t) {
    const auto count = detail::checked_product(std::span<const std::size_t>(t.shape));
    const auto bytes = count ? detail::checked_mul(*count, dtype_size(t.type)) : std::nullopt;
    if (!bytes || *bytes != t.data.size())
        throw shape_error(detail::cat("causalrec::io::tensor_file::add: tensor ", detail::quote(name), " has dtype ",
                                      dtype_name(t.type), " and shape ", detail::shape_string(t.shape),
                                      ", which does not match its ", t.data.size(), " bytes"));
    return insert(std::move(name), std::move(t));
}

CAUSALREC_INLINE bool tensor_file::erase(std::string_view name) {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) return false;
    tensors_.erase(it);
    return true;
}

CAUSALREC_INLINE std::vector<std::string> tensor_file::names() const {
    std::vector<std::string> out;
    out.reserve(tensors_.size());
    for (const auto& [name, t] : tensors_) out.push_back(name);
    return out;
}

CAUSALREC_INLINE const tensor& tensor_file::at(std::string_view name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) {
        std::string msg = detail::cat(where(), ": no tensor named ", detail::quote(name), " (the file has ",
                                      tensors_.size(), tensors_.size() == 1 ? " tensor" : " tensors");
        std::size_t listed = 0;
        for (const auto& [n, t] : tensors_) {
            if (listed == 10) {
                msg.append(", ...");
                break;
            }
            msg.append(listed == 0 ? ": " : ", ").append(detail::quote(n));
            ++listed;
        }
        msg.append(")");
        throw format_error(msg);
    }
    return it->second;
}

CAUSALREC_INLINE std::vector<std::byte> tensor_file::to_bytes() const {
    const auto [header, order] = layout();
    std::size_t total = 8 + header.size();
    for (const auto* entry : order) total += entry->second.data.size();
    std::vector<std::byte> out(total);
    detail::store_u64_le(header.size(), out.data());
    std::memcpy(out.data() + 8, header.data(), header.size());
    std::size_t pos = 8 + header.size();
    for (const auto* entry : order) {
        const auto& d = entry->second.data;
        if (!d.empty()) std::memcpy(out.data() + pos, d.data(), d.size());
        pos += d.size();
    }
    return out;
}

CAUSALREC_INLINE tensor_file tensor_file::from_bytes(std::span<const std::byte> bytes, std::string name_for_errors) {
    const std::string& file = name_for_errors;
    const std::uint64_t header_size = check_prefix(bytes.size(), bytes.data(), file);
    const auto* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);
    const std::uint64_t buffer_size = bytes.size() - 8 - header_size;
    auto parsed = parse_header(std::string_view(header_begin, static_cast<std::size_t>(header_size)),
                               buffer_size, file);
    tensor_file out;
    out.metadata = std::move(parsed.metadata);
    const std::byte* buffer = bytes.data() + 8 + header_size;
    for (auto& e : parsed.entries) {
        tensor t{.type = e.type, .shape = std::move(e.shape),
                 .data = std::vector<std::byte>(buffer + e.begin, buffer + e.end)};
        out.tensors_.emplace(std::move(e.name), std::move(t));
    }
    out.source_ = std::move(name_for_errors);
    return out;
}

CAUSALREC_INLINE tensor_file& tensor_file::insert(std::string name, tensor t) {
    if (name == "__metadata__")
        throw argument_error("causalrec::io::tensor_file::add: '__metadata__' is reserved for the metadata and cannot name a tensor");
    if (!detail::valid_utf8(name))
        throw argument_error(detail::cat("causalrec::io::tensor_file::add: tensor name ", detail::quote(detail::printable(name)),
                                         " is not valid UTF-8"));
    if (contains(name))
        throw argument_error(detail::cat("causalrec::io::tensor_file::add: a tensor named ", detail::quote(name),
                                         " is already in the file (erase() it first to replace it)"));
    tensors_.emplace(std::move(name), std::move(t));
    return *this;
}

CAUSALREC_INLINE std::pair<std::string, std::vector<tensor_file::entry_pointer>> tensor_file::layout() const {
    std::vector<entry_pointer> order;
    order.reserve(tensors_.size());
    for (const auto& entry : tensors_) order.push_back(&entry);
    std::stable_sort(order.begin(), order.end(), [](entry_pointer a, entry_pointer b) {
        return static_cast<int>(a->second.type) > static_cast<int>(b->second.type);
    });  // stable: names stay sorted within a dtype
    for (const auto& [key, value] : metadata) {
        if (!detail::valid_utf8(key))
            throw argument_error(detail::cat("causalrec::io::tensor_file: metadata key ", detail::quote(detail::printable(key)),
                                             " is not valid UTF-8"));
        if (!detail::valid_utf8(value))
            throw argument_error(detail::cat("causalrec::io::tensor_file: metadata value of ", detail::quote(key),
                                             " is not valid UTF-8"));
    }
    const auto json_string = [](const std::string& s) { return nlohmann::json(s).dump(); };
    // Written by hand, not through nlohmann::json objects, to keep the reference writer's key
    // order: "__metadata__" first, then tensors in data order with dtype, shape, data_offsets.
    std::string h = "{";
    bool first = true;
    if (!metadata.empty()) {
        h.append("\"__metadata__\":{");
        bool first_key = true;
        for (const auto& [key, value] : metadata) {
            if (!first_key) h.append(",");
            h.append(json_string(key)).append(":").append(json_string(value));
            first_key = false;
        }
        h.append("}");
        first = false;
    }
    std::uint64_t offset = 0;
    for (const auto* entry : order) {
        const tensor& t = entry->second;
        if (!first) h.append(",");
        first = false;
        h.append(json_string(entry->first)).append(":{\"dtype\":\"").append(dtype_name(t.type));
        h.append("\",\"shape\":[");
        for (std::size_t i = 0; i < t.shape.size(); ++i) {
            if (i > 0) h.append(",");
            h.append(std::to_string(t.shape[i]));
        }
        const std::uint64_t end = offset + t.data.size();
        h.append("],\"data_offsets\":[").append(std::to_string(offset)).append(",").append(std::to_string(end));
        h.append("]}");
        offset = end;
    }
    h.append("}");
    h.append((8 - h.size() % 8) % 8, ' ');
    return {std::move(h), std::move(order)};
}

CAUSALREC_INLINE std::uint64_t tensor_file::check_prefix(std::uint64_t file_size, const std::byte* prefix, const std::string& file) {
    if (file_size < 8)
        throw format_error(detail::cat(file, ": file is ", file_size,
                                       " bytes long; a safetensors file starts with an 8-byte header length"));
    const std::uint64_t n = detail::load_u64_le(prefix);
    if (n > max_header_size)
        throw format_error(detail::cat(file, ": header length ", n, " exceeds the limit of ", max_header_size,
                                       " bytes (corrupt, or not a safetensors file)"));
    if (n > file_size - 8)
        throw format_error(detail::cat(file, ": header length ", n, " but only ", file_size - 8,
                                       " bytes follow the length field (truncated file?)"));
    return n;
}

CAUSALREC_INLINE tensor_file::parsed_header tensor_file::parse_header(std::string_view text, std::uint64_t buffer_size, const std::string& file) {
    using json = nlohmann::json;
    const auto fail = [&file](const auto&... parts) { return format_error(detail::cat(file, ": ", parts...)); };
    if (text.empty() || text.front() != '{')
        throw fail("the JSON header does not start with '{' (corrupt, or not a safetensors file)");

    // nlohmann::json keeps the last of duplicate keys; the callback sees every key and rejects repeats.
    std::vector<std::set<std::string>> open_objects;
    std::string top_key;
    json root;
    try {
        root = json::parse(text.begin(), text.end(), [&](int depth, json::parse_event_t event, json& parsed) {
            if (depth > detail::max_header_depth)
                throw fail("the JSON header nests deeper than ", detail::max_header_depth, " levels");
            switch (event) {
                case json::parse_event_t::object_start:
                    open_objects.emplace_back();
                    break;
                case json::parse_event_t::object_end:
                    if (!open_objects.empty()) open_objects.pop_back();
                    break;
                case json::parse_event_t::key: {
                    const auto& key = parsed.get_ref<const std::string&>();
                    if (open_objects.empty()) break;
                    if (!open_objects.back().insert(key).second) {
                        if (open_objects.size() == 1)
                            throw fail(key == "__metadata__" ? std::string("'__metadata__' appears twice")
                                                             : detail::cat("duplicate tensor name ", detail::quote(key)));
                        throw fail("duplicate key ", detail::quote(key), " inside the entry ", detail::quote(top_key));
                    }
                    if (open_objects.size() == 1) top_key = key;
                    break;
                }
                default:
                    break;
            }
            return true;
        });
    } catch (const json::exception& e) {
        throw fail("the header is not valid JSON: ", detail::printable(e.what()));
    }
    if (!root.is_object()) throw fail("the JSON header is not an object");

    parsed_header out;
    const auto non_negative = [](const json& v) -> std::optional<std::uint64_t> {
        if (v.is_number_unsigned()) return v.get<std::uint64_t>();
        if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
        return std::nullopt;
    };
    for (auto it = root.cbegin(); it != root.cend(); ++it) {
        const std::string& name = it.key();
        const json& entry = it.value();
        if (name == "__metadata__") {
            if (entry.is_null()) continue;  // the reference reader accepts null as "no metadata"
            if (!entry.is_object())
                throw fail("'__metadata__' is a ", entry.type_name(), "; it must be an object of strings");
            for (const auto& [key, value] : entry.items()) {
                if (!value.is_string())
                    throw fail("'__metadata__' entry ", detail::quote(key), " is a ", value.type_name(),
                               "; metadata values must be strings");
                out.metadata.emplace(key, value.get<std::string>());
            }
            continue;
        }
        const std::string tname = detail::cat("tensor ", detail::quote(name));
        if (!entry.is_object())
            throw fail(tname, ": its entry is a ", entry.type_name(),
                       "; expected an object with dtype, shape and data_offsets");
        const auto field = [&](const char* key) -> const json& {
            const auto it = entry.find(key);
            if (it == entry.end()) throw fail(tname, ": missing field '", key, "'");
            return *it;
        };
        const json& jdtype = field("dtype");
        if (!jdtype.is_string()) throw fail(tname, ": field 'dtype' is a ", jdtype.type_name(), ", not a string");
        const auto& dtype_text = jdtype.get_ref<const std::string&>();
        const auto type = parse_dtype(dtype_text);
        if (!type) {
            if (dtype_text == "F4" || dtype_text == "F6_E2M3" || dtype_text == "F6_E3M2")
                throw fail(tname, ": dtype ", detail::quote(dtype_text),
                           " packs several elements per byte, which causalrec does not support");
            throw fail(tname, ": unknown dtype ", detail::quote(dtype_text));
        }
        const json& jshape = field("shape");
        if (!jshape.is_array()) throw fail(tname, ": field 'shape' is a ", jshape.type_name(), ", not an array");
        std::vector<std::size_t> shape;
        shape.reserve(jshape.size());
        for (std::size_t i = 0; i < jshape.size(); ++i) {
            const auto d = non_negative(jshape[i]);
            if (!d || *d > std::numeric_limits<std::size_t>::max())
                throw fail(tname, ": shape entry ", i, " is ", detail::printable(jshape[i].dump()),
                           "; shape entries must be non-negative integers");
            shape.push_back(static_cast<std::size_t>(*d));
        }
        const json& joff = field("data_offsets");
        if (!joff.is_array() || joff.size() != 2)
            throw fail(tname, ": field 'data_offsets' must be an array [begin, end], got ",
                       detail::printable(joff.dump()));
        const auto begin = non_negative(joff[0]);
        const auto end = non_negative(joff[1]);
        if (!begin || !end)
            throw fail(tname, ": data_offsets ", detail::printable(joff.dump()),
                       " must hold two non-negative integers");
        const std::string offsets = detail::cat("data_offsets [", *begin, ", ", *end, "]");
        if (*begin > *end) throw fail(tname, ": ", offsets, " has begin > end");
        const auto count = detail::checked_product(std::span<const std::size_t>(shape));
        const auto bytes = count ? detail::checked_mul(*count, dtype_size(*type)) : std::nullopt;
        if (!bytes)
            throw fail(tname, ": the byte size of shape ", detail::shape_string(shape), " with dtype ",
                       dtype_name(*type), " overflows 64 bits");
        if (*end - *begin != *bytes)
            throw fail(tname, ": shape ", detail::shape_string(shape), " with dtype ", dtype_name(*type),
                       " needs ", *bytes, " bytes, but ", offsets, " span ", *end - *begin);
        if (*end > buffer_size)
            throw fail(tname, ": ", offsets, " reach beyond the ", buffer_size,
                       "-byte data buffer (truncated file?)");
        out.entries.push_back(header_entry{name, *type, std::move(shape), *begin, *end});
    }

    // The reference implementation's rule: sorted by offset, the tensors tile the data buffer
    // exactly, without holes, overlaps or trailing bytes.
    std::sort(out.entries.begin(), out.entries.end(), [](const header_entry& a, const header_entry& b) {
        if (a.begin != b.begin) return a.begin < b.begin;
        if (a.end != b.end) return a.end < b.end;
        return a.name < b.name;
    });
    std::uint64_t covered = 0;
    const header_entry* previous = nullptr;
    for (const auto& e : out.entries) {
        if (e.begin > covered)
            throw fail("bytes [", covered, ", ", e.begin, ") of the data buffer belong to no tensor (a hole before ",
                       "tensor ", detail::quote(e.name), ")");
        if (e.begin < covered)
            throw fail("tensor ", detail::quote(e.name), " (data_offsets [", e.begin, ", ", e.end,
                       "]) overlaps tensor ", detail::quote(previous ? previous->name : std::string()),
                       " (data_offsets [", previous ? previous->begin : 0, ", ", previous ? previous->end : 0, "])");
        if (e.end > covered || previous == nullptr) previous = &e;
        covered = e.end;
    }
    if (covered != buffer_size)
        throw fail("the data buffer has ", buffer_size - covered, " trailing bytes after the last tensor (",
                   buffer_size, " bytes, tensors cover ", covered, ")");
    return out;
}

namespace detail {
/// An open C file, closed on scope exit.
using file_handle = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

/// Reads exactly `size` bytes; false when the file ends first or a read fails.
inline bool read_exact(std::FILE* f, void* out, std::size_t size) {
    return size == 0 || std::fread(out, 1, size, f) == size;
}
}  // namespace detail

/// Reads a safetensors file: the header first, then every tensor straight into its buffer. Raises
/// format_error naming the file and the fault when it is malformed or truncated, causalrec::error when
/// it cannot be opened or read.
CAUSALREC_INLINE tensor_file load_safetensors(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw error(detail::cat("causalrec::io::load_safetensors: '", file, "' is a directory, not a file"));
    detail::file_handle f(std::fopen(file.c_str(), "rb"), &std::fclose);
    if (!f) throw error(detail::cat("causalrec::io::load_safetensors: cannot open '", file, "': ", std::strerror(errno)));
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw error(detail::cat("causalrec::io::load_safetensors: cannot read the size of '", file, "': ", ec.message()));
    // Reads exactly `n` bytes: a read error is an I/O error naming the byte offset, an early end a
    // truncated file.
    std::uint64_t offset = 0;
    const auto read = [&](void* out, std::size_t n) {
        errno = 0;
        if (detail::read_exact(f.get(), out, n)) {
            offset += n;
            return;
        }
        if (std::ferror(f.get()))
            throw error(detail::cat("causalrec::io::load_safetensors: reading '", file, "' failed after byte ", offset, ": ",
                                    errno != 0 ? std::strerror(errno) : "read error"));
        throw format_error(detail::cat(file, ": the file ended early while reading (truncated, or changed while read)"));
    };

    std::byte prefix[8] = {};
    if (size >= 8) read(prefix, 8);
    const std::uint64_t header_size = tensor_file::check_prefix(size, prefix, file);
    std::string header(static_cast<std::size_t>(header_size), '\0');
    read(header.data(), header.size());
    auto parsed = tensor_file::parse_header(header, size - 8 - header_size, file);

    tensor_file out;
    out.metadata = std::move(parsed.metadata);
    for (auto& e : parsed.entries) {  // sorted by offset and contiguous: read them in order
        tensor t{.type = e.type, .shape = std::move(e.shape),
                 .data = std::vector<std::byte>(static_cast<std::size_t>(e.end - e.begin))};
        read(t.data.data(), t.data.size());
        out.tensors_.emplace(std::move(e.name), std::move(t));
    }
    out.source_ = file;
    return out;
}

/// Writes `file` to `path` in the safetensors format (the bytes of tensor_file::to_bytes()). The data
/// go to "<path>.tmp" first, which is then renamed over `path`, so a crash never leaves a truncated
/// file behind. Raises causalrec::error when the file cannot be written, argument_error when the
/// metadata is not valid UTF-8.
CAUSALREC_INLINE void save_safetensors(const std::filesystem::path& path, const tensor_file& file) {
    const std::string target = path.string();
    const auto [header, order] = file.layout();
    std::filesystem::path temp = path;
    temp += ".tmp";
    const std::string temp_name = temp.string();
    {
        detail::file_handle f(std::fopen(temp_name.c_str(), "wb"), &std::fclose);
        if (!f)
            throw error(detail::cat("causalrec::io::save_safetensors: cannot open '", temp_name, "' for writing: ", std::strerror(errno)));
        std::byte prefix[8];
        detail::store_u64_le(header.size(), prefix);
        bool ok = std::fwrite(prefix, 1, 8, f.get()) == 8 &&
                  std::fwrite(header.data(), 1, header.size(), f.get()) == header.size();
        for (const auto* entry : order) {
            const auto& d = entry->second.data;
            if (ok && !d.empty()) ok = std::fwrite(d.data(), 1, d.size(), f.get()) == d.size();
        }
        if (ok) ok = std::fflush(f.get()) == 0;
        std::FILE* raw = f.release();
        if (std::fclose(raw) != 0) ok = false;
        if (!ok) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            throw error(detail::cat("causalrec::io::save_safetensors: writing '", temp_name, "' failed (disk full?)"));
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw error(detail::cat("causalrec::io::save_safetensors: cannot move '", temp_name, "' to '", target, "': ", ec.message()));
    }
}

}  // namespace causalrec::io
