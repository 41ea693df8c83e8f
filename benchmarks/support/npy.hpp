#pragma once
// Reading NumPy .npy files (format version 1.0 to 3.0, little-endian, C order) for the speed
// benchmarks: a peer script writes the data it times into .npy files, and the benchmark program reads
// the very same values when the script points it there (benchmarks/peers/protocol.py, shared_data).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace causalrec_bench {

/// The values and shape of one .npy array.
template <class T>
struct npy_array {
    std::vector<T> values;            ///< the elements in C order
    std::vector<std::size_t> shape;  ///< its dimensions
};

/// The NumPy type string of T ("<f4", "<f8", "<i8").
template <class T>
constexpr const char* npy_descr() {
    if constexpr (std::is_same_v<T, float>) return "<f4";
    else if constexpr (std::is_same_v<T, double>) return "<f8";
    else {
        static_assert(std::is_same_v<T, std::int64_t>, "npy arrays of float, double or int64 only");
        return "<i8";
    }
}

/// Reads `path`, which must hold an array of T in C order; throws std::runtime_error naming the file
/// otherwise.
template <class T>
npy_array<T> read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
    if (!in) throw fail("cannot open");
    char magic[8];
    if (!in.read(magic, 8) || std::string(magic, 6) != "\x93NUMPY") throw fail("not a .npy file");
    std::size_t header_length = 0;
    if (magic[6] == 1) {
        unsigned char b[2];
        in.read(reinterpret_cast<char*>(b), 2);
        header_length = b[0] | (std::size_t{b[1]} << 8);
    } else {
        unsigned char b[4];
        in.read(reinterpret_cast<char*>(b), 4);
        header_length = b[0] | (std::size_t{b[1]} << 8) | (std::size_t{b[2]} << 16) | (std::size_t{b[3]} << 24);
    }
    std::string header(header_length, '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(header_length))) throw fail("truncated header");
    if (header.find(std::string("'descr': '") + npy_descr<T>() + "'") == std::string::npos)
        throw fail(std::string("expected dtype ") + npy_descr<T>() + ", header " + header);
    if (header.find("'fortran_order': False") == std::string::npos) throw fail("Fortran order is not supported");
    const std::size_t open = header.find("'shape': (");
    if (open == std::string::npos) throw fail("no shape in header");
    npy_array<T> out;
    std::size_t count = 1;
    for (std::size_t pos = open + 10; header[pos] != ')';) {
        std::size_t used = 0;
        const std::size_t dim = std::stoull(header.substr(pos), &used);
        out.shape.push_back(dim);
        count *= dim;
        pos += used;
        while (header[pos] == ',' || header[pos] == ' ') ++pos;
    }
    out.values.resize(count);
    if (!in.read(reinterpret_cast<char*>(out.values.data()), static_cast<std::streamsize>(count * sizeof(T))))
        throw fail("fewer values than the shape says");
    return out;
}

}  // namespace causalrec_bench
