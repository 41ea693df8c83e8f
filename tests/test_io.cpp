#include <causalrec/io/io.hpp>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "catch.hpp"
#include "temp_files.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_io {

namespace cr = causalrec;
namespace io = causalrec::io;

namespace {

using causalrec_test::temp_dir;
using causalrec_test::temp_path;

std::vector<std::byte> to_bytes(std::string_view s) {
    std::vector<std::byte> b(s.size());
    if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
    return b;
}

std::string to_string(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// A safetensors file from a header text, an optional padding and a data buffer; the length field is
/// the header's length unless `length` is given.
std::vector<std::byte> make_file(std::string header, std::string_view data = {},
                                 std::optional<std::uint64_t> length = std::nullopt) {
    std::vector<std::byte> out(8);
    const std::uint64_t n = length ? *length : header.size();
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::byte>((n >> (8 * i)) & 0xFF);
    const auto h = to_bytes(header);
    out.insert(out.end(), h.begin(), h.end());
    const auto d = to_bytes(data);
    out.insert(out.end(), d.begin(), d.end());
    return out;
}

/// Runs from_bytes on `bytes` and returns the format_error message (fails when it does not throw one).
std::string rejection(const std::vector<std::byte>& bytes, const std::string& name = "bad.safetensors") {
    try {
        (void)io::tensor_file::from_bytes(bytes, name);
    } catch (const cr::format_error& e) {
        return e.what();
    }
    FAIL("expected a causalrec::format_error");
    return {};
}

/// Checks that the message names the file and contains `reason`.
void check_message(const std::string& message, const std::string& reason, const std::string& name = "bad.safetensors") {
    INFO(message);
    CHECK(message.rfind(name + ": ", 0) == 0);
    CHECK(message.find(reason) != std::string::npos);
}

/// A file exercising every typed path: several dtypes, ranks 0 to 3, an empty tensor, metadata.
io::tensor_file sample_file() {
    io::tensor_file f;
    f.metadata["epoch"] = "7";
    f.metadata["model"] = "two-tower \"v2\" \xC3\xA9";
    cr::matrix<float> w = cr::make_matrix<float>(3, 4);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 4; ++j) w(i, j) = 0.25f * static_cast<float>(i * 4 + j) - 1.0f;
    f.add("dense.weight", w);
    cr::vector<double> b = cr::make_vector<double>(4);
    for (std::size_t i = 0; i < 4; ++i) b(i) = 0.25 * static_cast<double>(i) - 0.5;
    f.add("dense.bias", b);
    f.add<std::int32_t>("ids", std::vector<std::int32_t>{-3, 0, 7, 100000, -2147483647 - 1, 2147483647}, {2, 3});
    f.add<std::int64_t>("counter", std::vector<std::int64_t>{1234567890123}, {});
    f.add<std::uint8_t>("mask", std::vector<std::uint8_t>{0, 1, 1, 0, 255}, {5});
    f.add<float>("empty", std::vector<float>{}, {0, 3});
    return f;
}

}  // namespace

// ---- dtype helpers ---------------------------------------------------------------------------

TEST_CASE("io: dtype names, sizes and the C++ types that map to them", "[io][safetensors]") {
    STATIC_REQUIRE(io::dtype_of<float> == io::dtype::f32);
    STATIC_REQUIRE(io::dtype_of<double> == io::dtype::f64);
    STATIC_REQUIRE(io::dtype_of<std::int32_t> == io::dtype::i32);
    STATIC_REQUIRE(io::dtype_of<std::int64_t> == io::dtype::i64);
    STATIC_REQUIRE(io::dtype_of<long long> == io::dtype::i64);
    STATIC_REQUIRE(io::dtype_of<std::uint8_t> == io::dtype::u8);
    STATIC_REQUIRE(io::dtype_of<std::int8_t> == io::dtype::i8);
    STATIC_REQUIRE(io::dtype_of<std::uint64_t> == io::dtype::u64);
    STATIC_REQUIRE_FALSE(io::element_type<bool>);
    STATIC_REQUIRE_FALSE(io::element_type<char>);
    STATIC_REQUIRE_FALSE(io::element_type<long double>);
    CHECK(io::dtype_name(io::dtype::bf16) == "BF16");
    CHECK(io::dtype_size(io::dtype::c64) == 8);
    CHECK(io::parse_dtype("F32") == io::dtype::f32);
    CHECK(io::parse_dtype("U64") == io::dtype::u64);
    CHECK_FALSE(io::parse_dtype("f32").has_value());
    CHECK_FALSE(io::parse_dtype("F4").has_value());
    for (int k = 0; k <= static_cast<int>(io::dtype::u64); ++k) {
        const auto t = static_cast<io::dtype>(k);
        CHECK(io::parse_dtype(io::dtype_name(t)) == t);
    }
}

// ---- round trips -----------------------------------------------------------------------------

TEST_CASE("io: tensor_file round trip in memory keeps every dtype, shape, value and the metadata", "[io][safetensors]") {
    io::tensor_file f = sample_file();
    const std::vector<double> special = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                         -std::numeric_limits<double>::infinity(), -0.0, 5e-324, 1.7976931348623157e308};
    f.add<double>("special", special, {6});
    f.add<std::int8_t>("i8", std::vector<std::int8_t>{-128, 127}, {2});
    f.add<std::int16_t>("i16", std::vector<std::int16_t>{-32768, 32767}, {2});
    f.add<std::uint16_t>("u16", std::vector<std::uint16_t>{65535}, {1});
    f.add<std::uint32_t>("u32", std::vector<std::uint32_t>{4294967295u, 1u}, {1, 2});
    f.add<std::uint64_t>("u64", std::vector<std::uint64_t>{18446744073709551615ull}, {1});
    f.add<float>("rank3", std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});

    const auto bytes = f.to_bytes();
    const auto g = io::tensor_file::from_bytes(bytes, "sample");
    CHECK(g == f);
    CHECK(g.source() == "sample");
    CHECK(g.metadata == f.metadata);
    CHECK(g.names() == f.names());
    CHECK(g.size() == 13);
    CHECK(g.contains("dense.weight"));
    CHECK_FALSE(g.contains("dense"));

    const auto w = g.get_matrix<float>("dense.weight");
    REQUIRE(w.shape()[0] == 3);
    REQUIRE(w.shape()[1] == 4);
    CHECK(w(2, 3) == 1.75f);
    CHECK(w(0, 0) == -1.0f);
    const auto b = g.get_vector<double>("dense.bias", 4);
    CHECK(b(3) == 0.25);
    CHECK(g.get_values<std::int32_t>("ids") == std::vector<std::int32_t>{-3, 0, 7, 100000, -2147483647 - 1, 2147483647});
    CHECK(g.at("ids").shape == std::vector<std::size_t>{2, 3});
    CHECK(g.get_values<std::int64_t>("counter") == std::vector<std::int64_t>{1234567890123});
    CHECK(g.at("counter").shape.empty());
    CHECK(g.get_vector<std::uint8_t>("mask")(4) == 255);
    const auto e = g.get_matrix<float>("empty", 0, 3);
    CHECK(e.size() == 0);
    const auto s = g.get_values<double>("special");
    CHECK(std::isnan(s[0]));
    CHECK(s[1] == std::numeric_limits<double>::infinity());
    CHECK(std::signbit(s[3]));
    CHECK(s[4] == 5e-324);
    CHECK(g.get_values<std::uint64_t>("u64")[0] == 18446744073709551615ull);
    CHECK(g.get_values<float>("rank3")[7] == 8.0f);

    // Deterministic bytes: equal contents give equal files, whatever the insertion order.
    io::tensor_file h;
    for (auto it = f.tensors().rbegin(); it != f.tensors().rend(); ++it) h.add(it->first, it->second);
    h.metadata = f.metadata;
    CHECK(h.to_bytes() == bytes);
    CHECK(g.to_bytes() == bytes);
}

TEST_CASE("io: the layout follows the reference writer (8-byte padded header, largest dtype first, aligned data)", "[io][safetensors]") {
    const auto bytes = sample_file().to_bytes();
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(std::to_integer<unsigned>(bytes[static_cast<std::size_t>(i)])) << (8 * i);
    CHECK(n % 8 == 0);
    const std::string header = to_string(std::span(bytes).subspan(8, n));
    CHECK(header.front() == '{');
    CHECK(header.rfind("__metadata__", 2) == 2);  // metadata first
    // The 8-byte dtypes first (I64, then F64), then F32 by name, then I32, then U8.
    const auto pos = [&](const char* key) { return header.find(key); };
    CHECK(pos("\"counter\"") < pos("\"dense.bias\""));  // the reference ranks I64 above F64
    CHECK(pos("\"dense.bias\"") < pos("\"dense.weight\""));
    CHECK(pos("\"dense.weight\"") < pos("\"empty\""));
    CHECK(pos("\"empty\"") < pos("\"ids\""));
    CHECK(pos("\"ids\"") < pos("\"mask\""));
    // Every tensor starts at a multiple of its element size.
    const auto j = nlohmann::json::parse(header);
    for (const auto& [name, entry] : j.items()) {
        if (name == "__metadata__") continue;
        const auto size = io::dtype_size(*io::parse_dtype(entry["dtype"].get<std::string>()));
        CHECK(entry["data_offsets"][0].get<std::uint64_t>() % size == 0);
    }
}

TEST_CASE("io: byte-identical to files written by the reference implementation", "[io][safetensors]") {
    // Expected bytes from huggingface/safetensors, safetensors/src/tensor.rs, tests
    // test_serialization, test_serialization_forced_alignement and test_empty.
    const std::vector<int> attn_dot_0 = {
        64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34,
        58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97,
        116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0,
        128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
    const std::vector<int> attn0 = {
        72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58,
        34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100,
        97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32,
        32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
    const std::vector<int> empty = {8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32};
    const std::vector<int> empty_with_metadata = {
        40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102,
        114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32};
    const auto as_bytes = [](const std::vector<int>& v) {
        std::vector<std::byte> b;
        for (int x : v) b.push_back(static_cast<std::byte>(x));
        return b;
    };
    const std::vector<float> values = {0, 1, 2, 3, 4, 5};

    io::tensor_file a;
    a.add<float>("attn.0", values, {1, 2, 3});
    CHECK(a.to_bytes() == as_bytes(attn_dot_0));
    CHECK(io::tensor_file::from_bytes(as_bytes(attn_dot_0)) == a);

    io::tensor_file b;
    b.add<float>("attn0", values, {1, 1, 2, 3});
    CHECK(b.to_bytes() == as_bytes(attn0));
    CHECK(io::tensor_file::from_bytes(as_bytes(attn0)).get_values<float>("attn0") == values);

    CHECK(io::tensor_file{}.to_bytes() == as_bytes(empty));
    CHECK(io::tensor_file::from_bytes(as_bytes(empty)).empty());
    io::tensor_file m;
    m.metadata["framework"] = "pt";
    CHECK(m.to_bytes() == as_bytes(empty_with_metadata));
    CHECK(io::tensor_file::from_bytes(as_bytes(empty_with_metadata)).metadata.at("framework") == "pt");
}

TEST_CASE("io: save_safetensors and load_safetensors round trip through a file", "[io][safetensors]") {
    const auto f = sample_file();
    const auto path = temp_path("roundtrip.safetensors");
    io::save_safetensors(path, f);
    CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
    const auto g = io::load_safetensors(path);
    CHECK(g == f);
    CHECK(g.source() == path.string());
    std::ifstream in(path, std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(to_bytes(content) == f.to_bytes());
    // Overwriting an existing file.
    io::tensor_file small;
    small.add<float>("x", std::vector<float>{1.5f}, {1});
    io::save_safetensors(path, small);
    CHECK(io::load_safetensors(path) == small);
}

// ---- API errors ------------------------------------------------------------------------------

TEST_CASE("io: getters name the file, the tensor, the expected and the found dtype and shape", "[io][safetensors]") {
    const auto g = io::tensor_file::from_bytes(sample_file().to_bytes(), "model.safetensors");
    const auto message_of = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const cr::format_error& e) {
            return e.what();
        }
        return "no format_error";
    };
    auto m = message_of([&] { (void)g.get_matrix<double>("dense.weight"); });
    CHECK(m == "model.safetensors: tensor 'dense.weight' has dtype F32 and shape [3, 4]; expected dtype F64 and rank 2 (a matrix)");
    m = message_of([&] { (void)g.get_vector<float>("dense.weight"); });
    CHECK(m == "model.safetensors: tensor 'dense.weight' has dtype F32 and shape [3, 4]; expected dtype F32 and rank 1 (a vector)");
    m = message_of([&] { (void)g.get_matrix<float>("dense.weight", 4, 3); });
    CHECK(m == "model.safetensors: tensor 'dense.weight' has dtype F32 and shape [3, 4]; expected dtype F32 and shape [4, 3]");
    m = message_of([&] { (void)g.get_vector<double>("dense.bias", 5); });
    CHECK(m.find("shape [4]; expected dtype F64 and shape [5]") != std::string::npos);
    m = message_of([&] { (void)g.get_values<float>("ids"); });
    CHECK(m.find("tensor 'ids' has dtype I32") != std::string::npos);
    m = message_of([&] { (void)g.get_matrix<float>("dense.kernel"); });
    CHECK(m == "model.safetensors: no tensor named 'dense.kernel' (the file has 6 tensors: 'counter', 'dense.bias', "
               "'dense.weight', 'empty', 'ids', 'mask')");
    io::tensor_file in_memory;
    m = message_of([&] { (void)in_memory.at("w"); });
    CHECK(m == "tensor_file: no tensor named 'w' (the file has 0 tensors)");
}

TEST_CASE("io: add rejects taken, reserved and malformed names and shapes that do not fit", "[io][safetensors]") {
    io::tensor_file f;
    f.add<float>("w", std::vector<float>{1, 2}, {2});
    CHECK_THROWS_AS(f.add<float>("w", std::vector<float>{1}, {1}), cr::argument_error);
    CHECK_THROWS_AS(f.add<float>("__metadata__", std::vector<float>{1}, {1}), cr::argument_error);
    CHECK_THROWS_AS(f.add<float>("bad\xFFname", std::vector<float>{1}, {1}), cr::argument_error);
    CHECK_THROWS_AS(f.add<float>("v", std::vector<float>{1, 2, 3}, {2, 2}), cr::shape_error);
    CHECK_THROWS_AS(f.add<float>("v", std::vector<float>{1, 2, 3}, {std::size_t{1} << 63, 4}), cr::shape_error);
    CHECK_THROWS_AS(f.add("raw", io::tensor{.type = io::dtype::f16, .shape = {3}, .data = std::vector<std::byte>(5)}),
                    cr::shape_error);
    f.add("raw", io::tensor{.type = io::dtype::bf16, .shape = {3}, .data = std::vector<std::byte>(6)});
    CHECK(f.at("raw").type == io::dtype::bf16);
    CHECK(f.erase("raw"));
    CHECK_FALSE(f.erase("raw"));
    f.metadata["k"] = "bad \xC3";
    CHECK_THROWS_AS(f.to_bytes(), cr::argument_error);
    f.metadata.clear();
    f.metadata["\xFF"] = "v";
    CHECK_THROWS_AS(io::save_safetensors(temp_path("never.safetensors"), f), cr::argument_error);
}

TEST_CASE("io: file errors are causalrec::error, truncated files are format_error naming the path", "[io][safetensors]") {
    CHECK_THROWS_AS(io::load_safetensors(temp_path("does-not-exist.safetensors")), cr::error);
    CHECK_THROWS_AS(io::load_safetensors(temp_dir()), cr::error);
    CHECK_THROWS_AS(io::save_safetensors(temp_path("no-such-dir/x.safetensors"), sample_file()), cr::error);
    const auto bytes = sample_file().to_bytes();
    const auto path = temp_path("truncated.safetensors");
    for (const std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{8}, std::size_t{100}, bytes.size() - 1}) {
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(keep));
        }
        try {
            (void)io::load_safetensors(path);
            FAIL("a truncated file was accepted");
        } catch (const cr::format_error& e) {
            check_message(e.what(), "", path.string());
        }
    }
}

// ---- validation, rule by rule ----------------------------------------------------------------

TEST_CASE("io: validation of the length field", "[io][safetensors]") {
    for (std::size_t n = 0; n < 8; ++n) check_message(rejection(std::vector<std::byte>(n)), "8-byte header length");
    check_message(rejection(make_file("{}", "", 100'000'001)), "exceeds the limit of 100000000 bytes");
    check_message(rejection(make_file("{}", "", std::numeric_limits<std::uint64_t>::max())), "exceeds the limit");
    check_message(rejection(make_file("{}", "", 3)), "header length 3 but only 2 bytes follow");
    check_message(rejection(make_file("{}", "", 0)), "does not start with '{'");
}

TEST_CASE("io: validation of the JSON header", "[io][safetensors]") {
    check_message(rejection(make_file("{\"a\":")), "not valid JSON");
    check_message(rejection(make_file("[]")), "does not start with '{'");
    check_message(rejection(make_file(" {}")), "does not start with '{'");
    check_message(rejection(make_file("{}x")), "not valid JSON");
    check_message(rejection(make_file("{\"a\":\"\xFF\"}")), "not valid JSON");
    check_message(rejection(make_file("{\"a\":1e999}")), "not valid JSON");
    check_message(rejection(make_file("{\"w\":[1]}")), "tensor 'w': its entry is a array");
    check_message(rejection(make_file(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", "1234")), "tensor 'w': missing field 'dtype'");
    check_message(rejection(make_file(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", "1234")), "missing field 'shape'");
    check_message(rejection(make_file(R"({"w":{"dtype":"F32","shape":[1]}})", "1234")), "missing field 'data_offsets'");
    check_message(rejection(make_file(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", "1234")),
                  "field 'dtype' is a number, not a string");
    check_message(rejection(make_file(R"({"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", "1234")),
                  "field 'shape' is a string, not an array");
    check_message(rejection(make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", "1234")),
                  "must be an array [begin, end]");
    check_message(rejection(make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}})", "1234")),
                  "must hold two non-negative integers");
    check_message(rejection(make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", "1234")),
                  "must hold two non-negative integers");
    // Nesting is bounded: a valid header nests three deep.
    check_message(rejection(make_file("{\"__metadata__\":" + std::string(100000, '[') + std::string(100000, ']') + "}")),
                  "nests deeper than");
    // Padding with spaces (and other JSON whitespace) after the object is accepted.
    CHECK(io::tensor_file::from_bytes(make_file("{}      ")).empty());
    CHECK(io::tensor_file::from_bytes(make_file("{}\n\t ")).empty());
}

TEST_CASE("io: validation of dtypes and shapes", "[io][safetensors]") {
    const auto entry = [](const std::string& dtype, const std::string& shape, const std::string& offsets) {
        return "{\"w\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}";
    };
    check_message(rejection(make_file(entry("\"F17\"", "[1]", "[0,4]"), "1234")), "tensor 'w': unknown dtype 'F17'");
    check_message(rejection(make_file(entry("\"f32\"", "[1]", "[0,4]"), "1234")), "unknown dtype 'f32'");
    check_message(rejection(make_file(entry("\"F4\"", "[2]", "[0,1]"), "1")), "packs several elements per byte");
    check_message(rejection(make_file(entry("\"F32\"", "[-1]", "[0,4]"), "1234")),
                  "shape entry 0 is -1; shape entries must be non-negative integers");
    check_message(rejection(make_file(entry("\"F32\"", "[1,1.5]", "[0,4]"), "1234")), "shape entry 1 is 1.5");
    check_message(rejection(make_file(entry("\"F32\"", "[1e30]", "[0,4]"), "1234")), "shape entry 0 is 1e+30");
    check_message(rejection(make_file(entry("\"F32\"", "[null]", "[0,4]"), "1234")), "shape entry 0 is null");
    check_message(rejection(make_file(entry("\"F32\"", "[2,2]", "[0,4]"), "1234")),
                  "tensor 'w': shape [2, 2] with dtype F32 needs 16 bytes, but data_offsets [0, 4] span 4");
    check_message(rejection(make_file(entry("\"F32\"", "[4294967296,4294967296,2]", "[0,4]"), "1234")),
                  "overflows 64 bits");
    check_message(rejection(make_file(entry("\"F32\"", "[4611686018427387904]", "[0,4]"), "1234")),
                  "overflows 64 bits");
    // A zero dimension makes an empty tensor even next to a huge one (the reference multiplies left to right).
    const auto ok = io::tensor_file::from_bytes(make_file(entry("\"F32\"", "[0,4611686018427387904]", "[0,0]")));
    CHECK(ok.at("w").element_count() == 0);
    // Scalars (shape []) hold one element.
    CHECK(io::tensor_file::from_bytes(make_file(entry("\"I32\"", "[]", "[0,4]"), std::string_view("\x01\x00\x00\x00", 4)))
              .get_values<std::int32_t>("w") == std::vector<std::int32_t>{1});
    // Unknown fields in an entry are ignored, as by the reference reader.
    CHECK(io::tensor_file::from_bytes(make_file(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":[]}})", "a"))
              .contains("w"));
}

TEST_CASE("io: validation of offsets: order, holes, overlaps, bounds and trailing bytes", "[io][safetensors]") {
    const auto two = [](const std::string& a, const std::string& b) {
        return "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":" + a +
               "},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":" + b + "}}";
    };
    // Any order in the header is fine as long as the tensors tile the buffer.
    const auto swapped = io::tensor_file::from_bytes(make_file(two("[4,8]", "[0,4]"), "ABCDabcd"));
    CHECK(to_string(swapped.at("a").data) == "abcd");
    CHECK(to_string(swapped.at("b").data) == "ABCD");
    check_message(rejection(make_file(two("[0,4]", "[2,6]"), "ABCDab")),
                  "tensor 'b' (data_offsets [2, 6]) overlaps tensor 'a' (data_offsets [0, 4])");
    check_message(rejection(make_file(two("[0,4]", "[0,4]"), "ABCD")), "overlaps");
    check_message(rejection(make_file(two("[0,4]", "[6,10]"), "ABCDxxabcd")),
                  "bytes [4, 6) of the data buffer belong to no tensor (a hole before tensor 'b')");
    check_message(rejection(make_file(two("[4,8]", "[8,12]"), "xxxxABCDabcd")), "bytes [0, 4)");
    check_message(rejection(make_file(two("[0,4]", "[4,8]"), "ABCDabc")),
                  "tensor 'b': data_offsets [4, 8] reach beyond the 7-byte data buffer");
    check_message(rejection(make_file(two("[0,4]", "[4,8]"), "ABCDabcdXY")),
                  "the data buffer has 2 trailing bytes after the last tensor");
    check_message(rejection(make_file(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})", "ABCD")),
                  "data_offsets [4, 0] has begin > end");
    // Empty tensors may share an offset with each other and with a neighbour's end.
    const std::string zeros = R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                              R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                              R"("f":{"dtype":"F64","shape":[2,0],"data_offsets":[4,4]},)"
                              R"("z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})";
    CHECK(io::tensor_file::from_bytes(make_file(zeros, "ABCD")).size() == 4);
    // ... but not inside another tensor.
    check_message(rejection(make_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                      R"("e":{"dtype":"F32","shape":[0],"data_offsets":[2,2]}})",
                                      "ABCD")),
                  "tensor 'e' (data_offsets [2, 2]) overlaps tensor 'a'");
}

TEST_CASE("io: validation of duplicate keys and of the metadata", "[io][safetensors]") {
    const std::string w = R"("w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]})";
    check_message(rejection(make_file("{" + w + "," + w + "}", "a")), "duplicate tensor name 'w'");
    // The same name spelt with an escape is still the same name.
    check_message(rejection(make_file("{" + w + R"(,"\u0077":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "a")),
                  "duplicate tensor name 'w'");
    check_message(rejection(make_file(R"({"w":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "a")),
                  "duplicate key 'dtype' inside the entry 'w'");
    check_message(rejection(make_file(R"({"__metadata__":{"a":"1","a":"2"}})")), "duplicate key 'a' inside the entry '__metadata__'");
    check_message(rejection(make_file(R"({"__metadata__":{},"__metadata__":{}})")), "'__metadata__' appears twice");
    check_message(rejection(make_file(R"({"__metadata__":[]})")), "'__metadata__' is a array; it must be an object of strings");
    check_message(rejection(make_file(R"({"__metadata__":"x"})")), "'__metadata__' is a string");
    check_message(rejection(make_file(R"({"__metadata__":{"epoch":3}})")),
                  "'__metadata__' entry 'epoch' is a number; metadata values must be strings");
    check_message(rejection(make_file(R"({"__metadata__":{"a":{"b":"c"}}})")), "entry 'a' is a object");
    // null metadata means none (the reference reader's Option<HashMap>).
    CHECK(io::tensor_file::from_bytes(make_file(R"({"__metadata__":null})")).metadata.empty());
    const auto f = io::tensor_file::from_bytes(make_file(R"({"__metadata__":{"k":"v \"q\" \u00e9 \ud83d\ude00"}})"));
    CHECK(f.metadata.at("k") == "v \"q\" \xC3\xA9 \xF0\x9F\x98\x80");
    // Control characters in names come back escaped in messages.
    const auto m = rejection(make_file(R"({"a\nb":{"dtype":"X","shape":[1],"data_offsets":[0,1]}})", "a"));
    check_message(m, "tensor 'a\\x0ab': unknown dtype 'X'");
}

// ---- fuzzing ---------------------------------------------------------------------------------

namespace {

/// A header as editable pieces: entries of (key, fields of (field key, raw JSON value)).
struct header_model {
    struct entry {
        std::string key;
        std::vector<std::pair<std::string, std::string>> fields;
    };
    std::vector<entry> entries;

    std::string text() const {
        std::string s = "{";
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (i > 0) s.append(",");
            s.append("\"").append(entries[i].key).append("\":{");
            for (std::size_t k = 0; k < entries[i].fields.size(); ++k) {
                if (k > 0) s.append(",");
                s.append("\"").append(entries[i].fields[k].first).append("\":").append(entries[i].fields[k].second);
            }
            s.append("}");
        }
        s.append("}");
        return s;
    }
};

header_model model_of(const std::vector<std::byte>& file) {
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(std::to_integer<unsigned>(file[static_cast<std::size_t>(i)])) << (8 * i);
    const auto j = nlohmann::json::parse(to_string(std::span(file).subspan(8, n)));
    header_model m;
    for (const auto& [key, value] : j.items()) {
        header_model::entry e{key, {}};
        for (const auto& [k, v] : value.items()) e.fields.emplace_back(k, v.dump());
        m.entries.push_back(std::move(e));
    }
    return m;
}

/// Outcome counters of the fuzz run.
struct fuzz_stats {
    std::size_t inputs = 0, accepted = 0, rejected = 0;
    std::vector<std::string> failures;
};

/// Loads `bytes`; an accepted file must survive save + reload unchanged, a rejected one must raise
/// format_error naming the input. Anything else is recorded as a failure.
void fuzz_one(const std::vector<std::byte>& bytes, fuzz_stats& stats, const std::string& what) {
    ++stats.inputs;
    try {
        const auto f = io::tensor_file::from_bytes(bytes, "fuzz");
        const auto again = f.to_bytes();
        const auto g = io::tensor_file::from_bytes(again, "fuzz-again");
        if (!(g == f) || g.to_bytes() != again) stats.failures.push_back(what + ": reload differs");
        for (const auto& [name, t] : f.tensors())
            if (t.data.size() != t.element_count() * io::dtype_size(t.type))
                stats.failures.push_back(what + ": tensor size mismatch");
        ++stats.accepted;
    } catch (const cr::format_error& e) {
        if (std::string_view(e.what()).rfind("fuzz: ", 0) != 0) stats.failures.push_back(what + ": message " + e.what());
        ++stats.rejected;
    } catch (const std::exception& e) {
        stats.failures.push_back(what + ": unexpected exception: " + e.what());
    } catch (...) {
        stats.failures.push_back(what + ": unexpected non-standard exception");
    }
}

std::vector<std::byte> with_header(const std::string& header, std::span<const std::byte> data) {
    std::vector<std::byte> out(8 + header.size());
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::byte>((n >> (8 * i)) & 0xFF);
    std::memcpy(out.data() + 8, header.data(), header.size());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

}  // namespace

TEST_CASE("io: fuzzed files are either loaded consistently or rejected with format_error", "[io][safetensors][fuzz]") {
    const auto t0 = std::chrono::steady_clock::now();
    const auto base = sample_file().to_bytes();
    std::uint64_t header_size = 0;
    for (int i = 0; i < 8; ++i) header_size |= static_cast<std::uint64_t>(std::to_integer<unsigned>(base[static_cast<std::size_t>(i)])) << (8 * i);
    const std::span<const std::byte> data = std::span(base).subspan(8 + header_size);
    const auto model = model_of(base);
    cr::rng rng(20240607);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.uniform_index(n)); };
    fuzz_stats stats;

    // 1. Every truncation is rejected.
    for (std::size_t len = 0; len < base.size(); ++len)
        fuzz_one(std::vector<std::byte>(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(len)), stats, "truncate");
    const std::size_t truncations = stats.inputs;
    CHECK(stats.rejected == truncations);

    // 2. Random byte changes anywhere.
    for (int k = 0; k < 2000; ++k) {
        auto b = base;
        const std::size_t changes = 1 + pick(4);
        for (std::size_t c = 0; c < changes; ++c) {
            const std::size_t at = pick(b.size());
            b[at] = rng.bernoulli(0.5) ? static_cast<std::byte>(rng() & 0xFF) : (b[at] ^ static_cast<std::byte>(1u << pick(8)));
        }
        fuzz_one(b, stats, "flip");
    }

    // 3. Header length overwritten: random, huge, near the true value.
    const std::uint64_t lengths[] = {0, 1, 7, 8, header_size - 1, header_size + 1, header_size + 8, base.size(),
                                     base.size() - 8, 100'000'000, 100'000'001, std::uint64_t{1} << 32,
                                     std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max()};
    for (int k = 0; k < 400; ++k) {
        auto b = base;
        std::uint64_t n;
        if (k < static_cast<int>(std::size(lengths))) n = lengths[k];
        else if (k % 3 == 0) n = rng();
        else if (k % 3 == 1) n = header_size + pick(64) - 32;
        else n = pick(base.size() + 16);
        for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::byte>((n >> (8 * i)) & 0xFF);
        fuzz_one(b, stats, "length");
    }

    // 4. Random bytes spliced into the JSON text (length field updated or not).
    const std::string alphabet = "{}[]\":,0123456789-+.eE \\u\"FIU_abcdnulltrue";
    for (int k = 0; k < 1500; ++k) {
        std::string h = to_string(std::span(base).subspan(8, header_size));
        const std::size_t at = pick(h.size() + 1);
        const std::size_t count = 1 + pick(8);
        std::string piece;
        for (std::size_t c = 0; c < count; ++c)
            piece.push_back(rng.bernoulli(0.7) ? alphabet[pick(alphabet.size())] : static_cast<char>(rng() & 0xFF));
        switch (pick(3)) {
            case 0: h.insert(at, piece); break;
            case 1: h.replace(at, std::min(count, h.size() - at), piece); break;
            default: h.erase(at, std::min(count, h.size() - at)); break;
        }
        auto b = with_header(h, data);
        if (rng.bernoulli(0.2)) {  // keep the old length field
            for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = base[static_cast<std::size_t>(i)];
        }
        fuzz_one(b, stats, "splice");
    }

    // 5. Structured edits of the header: dtypes, shapes, offsets, duplicates, metadata.
    const std::vector<std::string> dtypes = {"\"F32\"", "\"F64\"", "\"I32\"", "\"I64\"", "\"U8\"",  "\"I8\"", "\"F16\"",
                                             "\"BF16\"", "\"BOOL\"", "\"U64\"", "\"C64\"", "\"F4\"", "\"f32\"", "\"\"",
                                             "\"X\"", "32", "null", "[\"F32\"]"};
    const std::vector<std::string> values = {"[]", "[0]", "[1]", "[3,4]", "[4,3]", "[12]", "[2,6]", "[4]", "[6]",
                                             "[2,3]", "[5]", "[0,3]", "[-1,3]", "[1.5]", "[1e3]", "[\"3\"]", "null",
                                             "{}", "[4294967296,4294967296,2]", "[18446744073709551615]",
                                             "[18446744073709551616]", "[9223372036854775807,2]", "[-0]", "[3,-4]",
                                             "[0,48]", "[48,80]", "[0,0]", "[80,104]", "[1,2,3]", "\"0,8\"", "true"};
    const std::vector<std::string> metadata_values = {"\"x\"", "3", "null", "[]", "{}", "{\"a\":\"b\"}", "true", "\"\\u00e9\""};
    for (int k = 0; k < 2500; ++k) {
        header_model m = model;
        const std::size_t edits = 1 + pick(3);
        for (std::size_t c = 0; c < edits; ++c) {
            auto& e = m.entries[pick(m.entries.size())];
            switch (pick(10)) {
                case 0:
                    if (!e.fields.empty()) e.fields[pick(e.fields.size())].second = dtypes[pick(dtypes.size())];
                    break;
                case 1:
                case 2:
                    if (!e.fields.empty()) e.fields[pick(e.fields.size())].second = values[pick(values.size())];
                    break;
                case 3:  // perturb a number inside a field
                    if (!e.fields.empty()) {
                        auto& v = e.fields[pick(e.fields.size())].second;
                        const auto digit = v.find_first_of("0123456789");
                        if (digit != std::string::npos) v.insert(digit, std::to_string(pick(3)));
                    }
                    break;
                case 4:
                    if (!e.fields.empty()) e.fields.erase(e.fields.begin() + static_cast<std::ptrdiff_t>(pick(e.fields.size())));
                    break;
                case 5:
                    if (!e.fields.empty()) e.fields.push_back(e.fields[pick(e.fields.size())]);
                    else e.fields.emplace_back("x", "1");
                    break;
                case 6:
                    m.entries.push_back(m.entries[pick(m.entries.size())]);  // duplicate entry
                    break;
                case 7: {
                    const std::string keys[] = {"dense.weight", "__metadata__", "new.name", "\\u0069ds", "", "mask"};
                    m.entries[pick(m.entries.size())].key = keys[pick(std::size(keys))];
                    break;
                }
                case 8:
                    if (e.key == "__metadata__" && !e.fields.empty())
                        e.fields[pick(e.fields.size())].second = metadata_values[pick(metadata_values.size())];
                    else
                        e.fields.emplace_back("extra", metadata_values[pick(metadata_values.size())]);
                    break;
                default:
                    if (m.entries.size() > 1) m.entries.erase(m.entries.begin() + static_cast<std::ptrdiff_t>(pick(m.entries.size())));
                    break;
            }
        }
        std::string h = m.text();
        if (rng.bernoulli(0.5)) h.append((8 - h.size() % 8) % 8, ' ');
        std::vector<std::byte> d(data.begin(), data.end());
        if (rng.bernoulli(0.1)) {
            d.insert(d.end(), pick(8), std::byte{0});
        } else if (rng.bernoulli(0.1) && !d.empty()) {
            const auto cut = static_cast<std::ptrdiff_t>(1 + pick(std::min<std::size_t>(d.size() - 1, 7)));
            d.erase(d.end() - cut, d.end());
        }
        fuzz_one(with_header(h, d), stats, "edit");
    }

    // 6. Random garbage behind a plausible length.
    for (int k = 0; k < 200; ++k) {
        std::vector<std::byte> b(8 + pick(300));
        for (auto& x : b) x = static_cast<std::byte>(rng() & 0xFF);
        const std::uint64_t n = pick(b.size() - 7);
        for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::byte>((n >> (8 * i)) & 0xFF);
        if (b.size() > 8 && rng.bernoulli(0.5)) b[8] = std::byte{'{'};
        fuzz_one(b, stats, "garbage");
    }

    // The file loader agrees with the memory loader on a sample of the same kinds of input.
    std::size_t file_checks = 0;
    const auto path = temp_path("fuzz.safetensors");
    for (int k = 0; k < 150; ++k) {
        auto b = base;
        if (k % 3 == 0) b.resize(pick(b.size()));
        else b[pick(b.size())] = static_cast<std::byte>(rng() & 0xFF);
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        }
        std::optional<io::tensor_file> from_memory, from_file;
        try {
            from_memory = io::tensor_file::from_bytes(b);
        } catch (const cr::format_error&) {
        }
        try {
            from_file = io::load_safetensors(path);
        } catch (const cr::format_error& e) {
            if (std::string_view(e.what()).rfind(path.string(), 0) != 0) stats.failures.push_back("file: message");
        }
        if (from_memory.has_value() != from_file.has_value() || (from_memory && !(*from_memory == *from_file)))
            stats.failures.push_back("file loader disagrees with from_bytes on input " + std::to_string(k));
        ++file_checks;
    }

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("safetensors fuzz: %zu inputs (%zu truncations), %zu accepted, %zu rejected with format_error, "
                "%zu failures; %zu file-loader cross-checks; %.2f s\n",
                stats.inputs, truncations, stats.accepted, stats.rejected, stats.failures.size(), file_checks, seconds);
    for (std::size_t i = 0; i < std::min<std::size_t>(stats.failures.size(), 10); ++i) UNSCOPED_INFO(stats.failures[i]);
    CHECK(stats.failures.empty());
    CHECK(stats.accepted + stats.rejected == stats.inputs);
    CHECK(stats.inputs > 6000);
    CHECK(stats.accepted > 100);  // some edits keep a file valid (renames, same-size dtypes, reshapes)
    CHECK(stats.rejected > 5000);
}

// ---- interop ---------------------------------------------------------------------------------

TEST_CASE("io: interop files for the Python reader", "[io][interop]") {
    // tests/support/read_safetensors.py checks these files with numpy; the CTest fixture sets
    // CAUSALREC_IO_INTEROP_DIR. Values are simple formulas the script recomputes.
    const char* env = std::getenv("CAUSALREC_IO_INTEROP_DIR");
    const std::filesystem::path dir = env && *env ? std::filesystem::path(env) : temp_dir() / "interop";
    std::filesystem::create_directories(dir);

    io::tensor_file f;
    f.metadata["framework"] = "causalrec";
    f.metadata["epoch"] = "12";
    f.metadata["note"] = "quote \" backslash \\ newline \n unicode \xC3\xA9 \xE2\x9C\x93";
    cr::matrix<float> m = cr::make_matrix<float>(3, 4);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 4; ++j) m(i, j) = 0.25f * static_cast<float>(i * 4 + j) - 1.0f;
    f.add("f32_matrix", m);
    cr::vector<double> v = cr::make_vector<double>(5);
    const double dv[] = {0.1, -2.5, 1e300, -0.0, 3.141592653589793};
    for (std::size_t i = 0; i < 5; ++i) v(i) = dv[i];
    f.add("f64_vector", v);
    std::vector<std::int32_t> r3(12);
    for (std::size_t k = 0; k < 12; ++k) r3[k] = (static_cast<std::int32_t>(k) - 6) * 100000;
    f.add<std::int32_t>("i32_rank3", r3, {2, 3, 2});
    f.add<std::int64_t>("i64_vector", std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), 0,
                                                                std::numeric_limits<std::int64_t>::max()}, {3});
    std::vector<std::uint8_t> bytes(256);
    for (std::size_t k = 0; k < 256; ++k) bytes[k] = static_cast<std::uint8_t>(k);
    f.add<std::uint8_t>("u8_vector", bytes, {256});
    f.add<std::int8_t>("i8_vector", std::vector<std::int8_t>{-128, -1, 0, 127}, {4});
    f.add<std::uint16_t>("u16_vector", std::vector<std::uint16_t>{0, 1, 65535}, {3});
    f.add<std::uint64_t>("u64_vector", std::vector<std::uint64_t>{18446744073709551615ull, 1}, {2});
    f.add<double>("scalar", std::vector<double>{42.5}, {});
    f.add<float>("empty", std::vector<float>{}, {0, 3});
    f.add<float>("special", std::vector<float>{std::numeric_limits<float>::quiet_NaN(),
                                               std::numeric_limits<float>::infinity(),
                                               -std::numeric_limits<float>::infinity()}, {3});
    const auto path = dir / "interop.safetensors";
    io::save_safetensors(path, f);
    CHECK(io::load_safetensors(path) == f);

    const std::vector<io::line_series> series = {
        {.name = "loss", .y = {0.9, 0.6, 0.45, 0.4}},
        {.name = "val_loss <&> \"q\" '\xC3\xA9'", .y = {1.0, std::nan(""), 0.5, 0.48}},
        {.name = "empty", .y = {}},
    };
    io::write_svg(dir / "chart.svg",
                  io::svg_line_chart(series, {.title = "Loss & <accuracy>", .x_label = "epoch", .y_label = "loss"}));
    CHECK(std::filesystem::exists(dir / "chart.svg"));
}

// ---- SVG -------------------------------------------------------------------------------------

namespace {

/// A small XML well-formedness check: balanced, properly nested tags, quoted attributes, no raw '<'
/// or stray '&' in text. Returns an empty string when well-formed, else what is wrong.
std::string xml_problem(const std::string& s) {
    std::vector<std::string> open;
    const auto valid_entity = [&](std::size_t amp) {
        for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
            if (s.compare(amp, std::strlen(e), e) == 0) return true;
        return false;
    };
    std::size_t i = 0;
    bool root_closed = false;
    while (i < s.size()) {
        if (s[i] == '&' && !valid_entity(i)) return "stray & at " + std::to_string(i);
        if (s[i] == '>') return "stray > at " + std::to_string(i);
        if (s[i] != '<') {
            ++i;
            continue;
        }
        if (s.compare(i, 2, "<?") == 0) {
            const auto end = s.find("?>", i);
            if (end == std::string::npos) return "unterminated <?";
            i = end + 2;
            continue;
        }
        if (s.compare(i, 2, "</") == 0) {
            const auto end = s.find('>', i);
            if (end == std::string::npos) return "unterminated end tag";
            const std::string name = s.substr(i + 2, end - i - 2);
            if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
            open.pop_back();
            if (open.empty()) root_closed = true;
            i = end + 1;
            continue;
        }
        if (root_closed) return "content after the root element";
        std::size_t j = i + 1;
        while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == ':')) ++j;
        const std::string name = s.substr(i + 1, j - i - 1);
        if (name.empty()) return "raw < at " + std::to_string(i);
        // attributes
        while (true) {
            while (j < s.size() && s[j] == ' ') ++j;
            if (j >= s.size()) return "unterminated tag " + name;
            if (s[j] == '>' || s.compare(j, 2, "/>") == 0) break;
            const std::size_t eq = s.find('=', j);
            if (eq == std::string::npos || s[eq + 1] != '"') return "unquoted attribute in " + name;
            const std::size_t close = s.find('"', eq + 2);
            if (close == std::string::npos) return "unterminated attribute in " + name;
            for (std::size_t k = eq + 2; k < close; ++k) {
                if (s[k] == '<') return "< inside an attribute of " + name;
                if (s[k] == '&' && !valid_entity(k)) return "stray & in an attribute of " + name;
            }
            j = close + 1;
        }
        if (s[j] == '/') {
            i = j + 2;
        } else {
            open.push_back(name);
            i = j + 1;
        }
    }
    if (!open.empty()) return "unclosed <" + open.back() + ">";
    if (!root_closed) return "no root element";
    return {};
}

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

/// Number of points of each polyline, in order.
std::vector<std::size_t> polyline_points(const std::string& svg) {
    std::vector<std::size_t> out;
    for (auto p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) {
        const auto a = svg.find("points=\"", p) + 8;
        const auto b = svg.find('"', a);
        const std::string pts = svg.substr(a, b - a);
        out.push_back(pts.empty() ? 0 : count(pts, " ") + 1);
        CHECK(count(pts, ",") == out.back());
    }
    return out;
}

}  // namespace

TEST_CASE("io: svg_line_chart draws one polyline per series, skips NaN and is well-formed XML", "[io][svg]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<io::line_series> series = {
        {.name = "loss", .y = {0.9, 0.6, 0.45, 0.4, 0.38}},
        {.name = "val_loss", .y = {1.0, nan, 0.5, std::numeric_limits<double>::infinity(), 0.48}},
        {.name = "empty", .y = {}},
        {.name = "all missing", .y = {nan, nan}},
        {.name = "one point", .y = {0.7}, .x = {3}, .color = "teal", .dashed = true},
    };
    const std::string svg = io::svg_line_chart(series, {.title = "t", .x_label = "epoch", .y_label = "loss"});
    INFO(svg);
    CHECK(xml_problem(svg).empty());
    CHECK(polyline_points(svg) == std::vector<std::size_t>{5, 3, 0, 0, 1});
    CHECK(count(svg, "<circle") == 1);  // a single-point series gets a dot
    CHECK(count(svg, "stroke-dasharray") == 2);  // the line and its legend sample
    CHECK(svg.find("stroke=\"teal\"") != std::string::npos);
    CHECK(svg.find("nan") == std::string::npos);
    CHECK(svg.find("inf") == std::string::npos);
    CHECK(count(svg, "<text") >= 5 + 3);  // legend entries, title and labels
    // Integer x (epochs): ticks on whole numbers.
    CHECK(svg.find(">1.5<") == std::string::npos);
    CHECK(svg.find(">1</text>") != std::string::npos);
    CHECK(svg.find(">5</text>") != std::string::npos);
}

TEST_CASE("io: svg_line_chart escapes text and survives malformed UTF-8 and control characters", "[io][svg]") {
    const std::vector<io::line_series> series = {
        {.name = "a<b & \"c\" 'd' >", .y = {1, 2}},
        {.name = std::string("bad \xFF\xC3 utf8 \x01\x02 bell\x07"), .y = {2, 1}},
        {.name = std::string(500, 'x'), .y = {1, 1}},
    };
    const std::string svg = io::svg_line_chart(series, {.title = "<script>&", .x_label = "x \"q\"", .y_label = "y 'q'"});
    INFO(svg);
    CHECK(xml_problem(svg).empty());
    CHECK(svg.find("a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;") != std::string::npos);
    CHECK(svg.find("&lt;script&gt;&amp;") != std::string::npos);
    CHECK(svg.find("<script>") == std::string::npos);
    CHECK(svg.find("bad \xEF\xBF\xBD\xEF\xBF\xBD utf8  bell") != std::string::npos);
    CHECK(svg.find('\x01') == std::string::npos);
    CHECK(svg.find(std::string(41, 'x')) != std::string::npos);  // full name in the tooltip
    CHECK(svg.find(std::string(40, 'x') + "...") != std::string::npos);  // cut in the legend
}

TEST_CASE("io: svg_line_chart handles equal values, no data, given x, fixed y range and extreme values", "[io][svg]") {
    // All values equal: the axis opens a window around them.
    auto svg = io::svg_line_chart({{.name = "flat", .y = {2, 2, 2}}}, {});
    CHECK(xml_problem(svg).empty());
    CHECK(polyline_points(svg) == std::vector<std::size_t>{3});
    CHECK(svg.find(">2.0<") != std::string::npos);
    svg = io::svg_line_chart({{.name = "zeros", .y = {0, 0}}}, {});
    CHECK(xml_problem(svg).empty());
    // No series at all, and only empty series.
    CHECK(xml_problem(io::svg_line_chart(std::vector<io::line_series>{}, {})).empty());
    CHECK(xml_problem(io::svg_line_chart({{.name = "none", .y = {}}}, {.legend = false})).empty());
    // Given x (an uplift curve over the fraction targeted), fractional ticks, markers.
    svg = io::svg_line_chart({{.name = "uplift", .y = {0, 0.02, 0.05, 0.06}, .x = {0, 0.25, 0.5, 1.0}},
                              {.name = "random", .y = {0, 0.06}, .x = {0, 1}, .dashed = true}},
                             {.markers = true});
    CHECK(xml_problem(svg).empty());
    CHECK(polyline_points(svg) == std::vector<std::size_t>{4, 2});
    CHECK(count(svg, "<circle") == 6);
    CHECK(svg.find(">0.4</text>") != std::string::npos);
    // Fixed y range: points outside are clipped, not dropped.
    svg = io::svg_line_chart({{.name = "acc", .y = {0.5, 0.9, 1.2}}}, {.y_min = 0.0, .y_max = 1.0});
    CHECK(xml_problem(svg).empty());
    CHECK(polyline_points(svg) == std::vector<std::size_t>{3});
    CHECK(svg.find("clip-path=\"url(#causalrec-plot-area)\"") != std::string::npos);
    // Extreme magnitudes stay finite.
    svg = io::svg_line_chart({{.name = "huge", .y = {-1.7e308, 1.7e308}}, {.name = "tiny", .y = {1e-300, 2e-300}}}, {});
    CHECK(xml_problem(svg).empty());
    CHECK(svg.find("nan") == std::string::npos);
    CHECK(svg.find("inf") == std::string::npos);
    svg = io::svg_line_chart({{.name = "tiny", .y = {1e-300, 3e-300}}}, {});
    CHECK(xml_problem(svg).empty());
    CHECK(svg.find("nan") == std::string::npos);
}

TEST_CASE("io: svg_line_chart argument errors and write_svg", "[io][svg]") {
    CHECK_THROWS_AS(io::svg_line_chart({{.name = "s", .y = {1, 2}, .x = {1}}}, {}), cr::argument_error);
    CHECK_THROWS_AS(io::svg_line_chart({{.name = "s", .y = {1}}}, {.width = 100}), cr::argument_error);
    CHECK_THROWS_AS(io::svg_line_chart({{.name = "s", .y = {1}}}, {.y_min = 1.0, .y_max = 1.0}), cr::argument_error);
    CHECK_THROWS_AS(io::svg_line_chart({{.name = "s", .y = {1}}}, {.y_min = std::nan("")}), cr::argument_error);
    const auto path = temp_path("chart.svg");
    const std::string svg = io::svg_line_chart({{.name = "s", .y = {1, 2, 3}}}, {.title = "written"});
    io::write_svg(path, svg);
    std::ifstream in(path, std::ios::binary);
    const std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(back == svg);
    CHECK_THROWS_AS(io::write_svg(temp_path("no-such-dir/chart.svg"), svg), cr::error);
}

TEST_CASE("io: error messages start with causalrec::io::<function>", "[io][messages]") {
    CHECK_THROWS_WITH(io::tensor_file{}.add<float>("__metadata__", std::vector<float>{1}, {1}), Catch::Matchers::StartsWith("causalrec::io::tensor_file::add: "));
}

}  // namespace causalrec_test_io
