#pragma once
/// @file
/// Named tensors in the safetensors format (https://github.com/huggingface/safetensors): the
/// `tensor_file` value type, `save_safetensors` / `load_safetensors`, and the in-memory
/// `tensor_file::to_bytes()` / `tensor_file::from_bytes()`. Every malformed input raises
/// `causalrec::format_error` naming the file and the fault. See docs/io.md.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "detail/common.hpp"
#include "dtype.hpp"

namespace causalrec::io {

class tensor_file;
/// Reads a safetensors file; raises format_error naming the file and the fault when it is malformed,
/// and causalrec::error when it cannot be opened or read.
CAUSALREC_INLINE tensor_file load_safetensors(const std::filesystem::path& path);
/// Writes `file` to `path` in the safetensors format (the bytes of tensor_file::to_bytes()), through
/// "<path>.tmp" renamed over `path`; raises causalrec::error when the file cannot be written.
CAUSALREC_INLINE void save_safetensors(const std::filesystem::path& path, const tensor_file& file);

/// A set of named tensors plus string metadata: what a safetensors file holds. A plain value type:
/// fill it with add(), read it with get_matrix() / get_vector() / get_values() / at(), write it with
/// save_safetensors() or to_bytes(), read one with load_safetensors() or from_bytes().
class tensor_file {
public:
    /// Free-form string metadata, stored as the file's "__metadata__" object (omitted when empty).
    std::map<std::string, std::string> metadata{};

    /// An empty file: no tensors, no metadata.
    tensor_file() = default;

    /// Adds a tensor of any rank (matrix<T>, vector<T>, xt::xtensor<T, N>) under `name`. Raises
    /// argument_error when the name is taken, is "__metadata__" or is not valid UTF-8.
    template <element_type T, std::size_t N>
    tensor_file& add(std::string name, const xt::xtensor<T, N>& values) {
        std::vector<std::size_t> shape(values.shape().begin(), values.shape().end());
        return add<T>(std::move(name), std::span<const T>(values.data(), values.size()), std::move(shape));
    }

    /// Adds row-major `values` with the given shape (`add<float>("w", v, {2, 3})`). Raises
    /// shape_error when the shape's element count differs from values.size(), argument_error for a
    /// bad name (see above).
    template <element_type T>
    tensor_file& add(std::string name, std::span<const T> values, std::vector<std::size_t> shape) {
        const auto count = detail::checked_product(std::span<const std::size_t>(shape));
        if (!count || *count != values.size())
            throw shape_error(detail::cat("causalrec::io::tensor_file::add: tensor ", detail::quote(name), " has shape ",
                                          detail::shape_string(shape), ", which does not hold ", values.size(),
                                          " values"));
        tensor t{.type = dtype_of<T>, .shape = std::move(shape), .data = std::vector<std::byte>(values.size_bytes())};
        if (!values.empty()) std::memcpy(t.data.data(), values.data(), values.size_bytes());
        detail::host_to_little_endian(t.data, sizeof(T));
        return insert(std::move(name), std::move(t));
    }

    /// Adds a tensor given as raw little-endian bytes (any dtype, e.g. F16 or BF16). Raises shape_error
    /// when the byte count does not match the shape and dtype, argument_error for a bad name.
    tensor_file& add(std::string name, tensor t);

    /// Removes the tensor `name`; returns whether there was one.
    bool erase(std::string_view name);

    /// True when a tensor called `name` is present.
    bool contains(std::string_view name) const { return tensors_.find(name) != tensors_.end(); }

    /// The tensor names, sorted.
    std::vector<std::string> names() const;

    /// Number of tensors.
    std::size_t size() const noexcept { return tensors_.size(); }

    /// True when there are no tensors (metadata may still be present).
    bool empty() const noexcept { return tensors_.empty(); }

    /// All tensors by name.
    const std::map<std::string, tensor, std::less<>>& tensors() const noexcept { return tensors_; }

    /// The tensor `name`; raises format_error naming the file and the tensor when it is absent.
    const tensor& at(std::string_view name) const;

    /// The rank-2 tensor `name` as a matrix<T>. Raises format_error naming the file, the tensor, the
    /// expected and the found dtype and shape when the tensor is absent, of another dtype or not rank 2.
    template <element_type T>
    matrix<T> get_matrix(std::string_view name) const {
        const tensor& t = checked<T>(name, 2, "rank 2 (a matrix)");
        matrix<T> m = make_matrix<T>(t.shape[0], t.shape[1]);
        copy_out(t, m.data());
        return m;
    }

    /// As get_matrix(name), and also checks that the shape is [rows, cols].
    template <element_type T>
    matrix<T> get_matrix(std::string_view name, std::size_t rows, std::size_t cols) const {
        const std::size_t expected[] = {rows, cols};
        check_shape<T>(name, expected);
        return get_matrix<T>(name);
    }

    /// The rank-1 tensor `name` as a vector<T>; raises format_error as get_matrix() does.
    template <element_type T>
    vector<T> get_vector(std::string_view name) const {
        const tensor& t = checked<T>(name, 1, "rank 1 (a vector)");
        vector<T> v = make_vector<T>(t.shape[0]);
        copy_out(t, v.data());
        return v;
    }

    /// As get_vector(name), and also checks that the shape is [n].
    template <element_type T>
    vector<T> get_vector(std::string_view name, std::size_t n) const {
        const std::size_t expected[] = {n};
        check_shape<T>(name, expected);
        return get_vector<T>(name);
    }

    /// The elements of tensor `name` of any rank, row-major; raises format_error when it is absent or
    /// of another dtype.
    template <element_type T>
    std::vector<T> get_values(std::string_view name) const {
        const tensor& t = at(name);
        if (t.type != dtype_of<T>)
            throw format_error(detail::cat(where(), ": tensor ", detail::quote(name), " has dtype ", dtype_name(t.type),
                                           " and shape ", detail::shape_string(t.shape), "; expected dtype ",
                                           dtype_name(dtype_of<T>)));
        std::vector<T> out(t.element_count());
        copy_out(t, out.data());
        return out;
    }

    /// Where the tensors came from, for messages: the file name or the name given to from_bytes();
    /// empty for a file built in memory.
    const std::string& source() const noexcept { return source_; }

    /// The complete file as bytes: 8-byte little-endian header length, the JSON header padded with
    /// spaces to a multiple of 8 bytes, then the tensor data. Tensors are laid out as the reference
    /// writer does (largest dtype first, then by name), so every tensor is aligned to its element size
    /// and equal contents give equal bytes. Raises argument_error when metadata is not valid UTF-8.
    std::vector<std::byte> to_bytes() const;

    /// Parses a complete safetensors file held in memory; raises format_error naming `name_for_errors`
    /// and the fault when the bytes are not a valid file (see docs/io.md for the rules).
    static tensor_file from_bytes(std::span<const std::byte> bytes, std::string name_for_errors = "<memory>");

    /// Same metadata and same tensors (the source name is not compared).
    friend bool operator==(const tensor_file& a, const tensor_file& b) {
        return a.metadata == b.metadata && a.tensors_ == b.tensors_;
    }

private:
    friend tensor_file load_safetensors(const std::filesystem::path& path);
    friend void save_safetensors(const std::filesystem::path& path, const tensor_file& file);

    /// One validated header entry.
    struct header_entry {
        std::string name;
        io::dtype type;
        std::vector<std::size_t> shape;
        std::uint64_t begin;
        std::uint64_t end;
    };

    /// A validated header: metadata and entries sorted by data offset.
    struct parsed_header {
        std::map<std::string, std::string> metadata;
        std::vector<header_entry> entries;
    };

    std::string where() const { return source_.empty() ? std::string("tensor_file") : source_; }

    tensor_file& insert(std::string name, tensor t);

    template <element_type T>
    const tensor& checked(std::string_view name, std::size_t rank, std::string_view what) const {
        const tensor& t = at(name);
        if (t.type != dtype_of<T> || t.shape.size() != rank)
            throw format_error(detail::cat(where(), ": tensor ", detail::quote(name), " has dtype ", dtype_name(t.type),
                                           " and shape ", detail::shape_string(t.shape), "; expected dtype ",
                                           dtype_name(dtype_of<T>), " and ", what));
        return t;
    }

    template <element_type T>
    void check_shape(std::string_view name, std::span<const std::size_t> expected) const {
        const tensor& t = at(name);
        if (t.type != dtype_of<T> || !std::equal(t.shape.begin(), t.shape.end(), expected.begin(), expected.end()))
            throw format_error(detail::cat(where(), ": tensor ", detail::quote(name), " has dtype ", dtype_name(t.type),
                                           " and shape ", detail::shape_string(t.shape), "; expected dtype ",
                                           dtype_name(dtype_of<T>), " and shape ", detail::shape_string(expected)));
    }

    template <element_type T>
    static void copy_out(const tensor& t, T* out) noexcept {
        if (t.data.empty()) return;
        std::memcpy(out, t.data.data(), t.data.size());
        detail::host_to_little_endian(std::span<std::byte>(reinterpret_cast<std::byte*>(out), t.data.size()), sizeof(T));
    }

    using entry_pointer = const std::pair<const std::string, tensor>*;

    /// The padded JSON header and the tensors in file order (largest dtype first, then by name).
    std::pair<std::string, std::vector<entry_pointer>> layout() const;

    /// Checks the 8-byte length prefix against the file size; returns the header length.
    static std::uint64_t check_prefix(std::uint64_t file_size, const std::byte* prefix, const std::string& file);

    /// Parses and validates the JSON header against a data buffer of `buffer_size` bytes.
    static parsed_header parse_header(std::string_view text, std::uint64_t buffer_size, const std::string& file);

    std::map<std::string, tensor, std::less<>> tensors_{};
    std::string source_{};
};

}  // namespace causalrec::io

#if CAUSALREC_HEADER_ONLY
#include "impl/safetensors.hpp"
#endif
