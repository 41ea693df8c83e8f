#include <causalrec/data/data.hpp>
#include <causalrec/io/io.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/preprocess/preprocess.hpp>
#include <causalrec/train/train.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "temp_files.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_model_file {

namespace cr = causalrec;
namespace io = causalrec::io;
namespace nn = causalrec::nn;
namespace pp = causalrec::preprocess;
namespace train = causalrec::train;

namespace {

using causalrec_test::temp_dir;
using causalrec_test::temp_path;

/// The seed article's shape, scaled down: dense/relu, dense/relu, dense/sigmoid.
template <class T>
auto make_model(std::size_t in, std::size_t h1, std::size_t h2, std::uint64_t seed) {
    auto model = nn::sequential(nn::dense<T>(in, h1), nn::relu<T>{}, nn::dense<T>(h1, h2), nn::relu<T>{},
                                nn::dense<T>(h2, 1), nn::sigmoid<T>{});
    model.initialize(seed);
    return model;
}

/// Every parameter value of a model, as raw bytes (compares NaN and -0 exactly).
template <class Model>
std::vector<unsigned char> parameter_bytes(Model& model) {
    std::vector<unsigned char> out;
    for (const auto& p : model.parameters()) {
        const auto* b = reinterpret_cast<const unsigned char*>(p.value.data());
        out.insert(out.end(), b, b + p.value.size_bytes());
    }
    return out;
}

/// Every parameter value as double, in order.
template <class Model>
std::vector<double> parameter_values(Model& model) {
    std::vector<double> out;
    for (const auto& p : model.parameters()) out.insert(out.end(), p.value.begin(), p.value.end());
    return out;
}

/// A matrix of normal values.
template <class T>
cr::matrix<T> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    cr::rng engine(seed);
    auto m = cr::make_matrix<T>(rows, cols);
    for (auto& v : m) v = static_cast<T>(engine.normal(0.0, 1.0));
    return m;
}

/// The format_error message of `f()`; fails the test when f does not throw one.
template <class F>
std::string format_error_of(F&& f) {
    try {
        f();
    } catch (const cr::format_error& e) {
        return e.what();
    }
    FAIL("no format_error was raised");
    return {};
}

std::vector<std::byte> read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(c.size());
    if (!c.empty()) std::memcpy(out.data(), c.data(), c.size());
    return out;
}

void write_bytes(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::size_t count(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
    return n;
}

/// The number of points of every <polyline> of an SVG document, in order.
std::vector<std::size_t> polyline_points(const std::string& svg) {
    std::vector<std::size_t> out;
    for (auto pos = svg.find("<polyline"); pos != std::string::npos; pos = svg.find("<polyline", pos + 1)) {
        const auto begin = svg.find("points=\"", pos) + 8;
        const auto end = svg.find('"', begin);
        const std::string points = svg.substr(begin, end - begin);
        out.push_back(points.empty() ? 0 : count(points, ",") );
    }
    return out;
}

/// A model with parameters() only (no names, no config): the generic path of model files.
struct bare_model {
    using value_type = float;
    std::vector<float> w, b;
    std::array<std::size_t, 2> w_shape{};
    std::array<std::size_t, 1> b_shape{};
    std::vector<float> gw, gb;
    bare_model(std::size_t rows, std::size_t cols)
        : w(rows * cols, 0.5f), b(cols, -1.0f), w_shape{rows, cols}, b_shape{cols}, gw(w.size()), gb(b.size()) {
        for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i) * 0.25f;
    }
    std::vector<cr::parameter_view<float>> parameters() {
        return {cr::parameter_view<float>{.name = "weight", .value = w, .grad = gw, .shape = w_shape},
                cr::parameter_view<float>{.name = "bias", .value = b, .grad = gb, .shape = b_shape}};
    }
};

}  // namespace

// ---- round trips -----------------------------------------------------------------------------

template <class T>
void check_round_trip(const std::string& file_name) {
    auto saved = make_model<T>(6, 16, 8, 11);
    auto loaded = make_model<T>(6, 16, 8, 99);  // same architecture, other weights
    REQUIRE(parameter_bytes(saved) != parameter_bytes(loaded));
    const auto path = temp_path(file_name);
    io::save_model(path, saved);

    // The file is a plain safetensors file with one tensor per parameter and string metadata.
    const io::tensor_file file = io::load_safetensors(path);
    CHECK(file.names() == std::vector<std::string>{"layer0.bias", "layer0.weight", "layer2.bias", "layer2.weight",
                                                   "layer4.bias", "layer4.weight"});
    CHECK(file.at("layer0.weight").type == io::dtype_of<T>);
    CHECK(file.at("layer0.weight").shape == std::vector<std::size_t>{6, 16});
    CHECK(file.at("layer4.bias").shape == std::vector<std::size_t>{1});
    CHECK(file.metadata.at("format") == "causalrec-model");
    CHECK(file.metadata.at("format_version") == "1");
    CHECK(file.metadata.at("value_type") == (std::is_same_v<T, float> ? "float32" : "float64"));
    CHECK(nlohmann::json::parse(file.metadata.at("architecture")) == saved.config());
    CHECK(file.metadata.count("preprocessor") == 0);
    CHECK(file.metadata.size() == 4);

    const io::model_extras extras = io::load_model(path, loaded);
    CHECK(extras.preprocessor.is_null());
    CHECK(extras.user.empty());
    CHECK(parameter_bytes(loaded) == parameter_bytes(saved));
    const auto x = random_matrix<T>(50, 6, 5);
    const cr::matrix<T> p_saved = train::predict(saved, x);
    const cr::matrix<T> p_loaded = train::predict(loaded, x);
    REQUIRE((p_saved == p_loaded));
}

TEST_CASE("model file: float and double models round-trip bit-identically and predict the same", "[io][model]") {
    check_round_trip<float>("round_trip_f32.safetensors");
    check_round_trip<double>("round_trip_f64.safetensors");
}

TEST_CASE("model file: a fitted preprocessor and user metadata round-trip", "[io][model]") {
    const auto gen = cr::data::make_classification<double>({.rows = 400, .categorical_features = 0, .missing_fraction = 0.1,
                                                            .seed = 8});
    auto prep = pp::pipeline(pp::simple_imputer{}, pp::standard_scaler{});
    const cr::matrix<double> x = prep.fit_transform(gen.data.features());
    auto model = make_model<double>(x.shape()[1], 8, 4, 3);
    train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>({.learning_rate = 1e-2}), x, gen.data.labels(),
               {.epochs = 2, .verbose = 0});
    const auto path = temp_path("with_preprocessor.safetensors");
    io::save_model(path, model,
                   {.preprocessor = prep.to_json(), .user = {{"dataset", "synthetic"}, {"note", "é \"quoted\" {json}"}}});
    CHECK(io::load_safetensors(path).metadata.at("user.dataset") == "synthetic");

    auto restored = make_model<double>(x.shape()[1], 8, 4, 77);
    const io::model_extras extras = io::load_model(path, restored);
    CHECK(extras.preprocessor == prep.to_json());
    CHECK(extras.user == std::map<std::string, std::string>{{"dataset", "synthetic"}, {"note", "é \"quoted\" {json}"}});
    auto prep2 = io::load_preprocessor<decltype(prep)>(extras);
    const cr::matrix<double> raw = gen.data.features();
    const cr::matrix<double> a = prep.transform(raw);
    const cr::matrix<double> b = prep2.transform(raw);
    REQUIRE((a == b));
    const cr::matrix<double> pa = train::predict(model, a);
    const cr::matrix<double> pb = train::predict(restored, b);
    REQUIRE((pa == pb));

    // No preprocessor, or the state of another type: format_error.
    CHECK(format_error_of([&] { (void)io::load_preprocessor<decltype(prep)>(io::model_extras{}); })
              .find("holds no preprocessor") != std::string::npos);
    CHECK(format_error_of([&] { (void)io::load_preprocessor<pp::standard_scaler>(extras); }).find("pipeline") !=
          std::string::npos);
}

TEST_CASE("model file: models without names or config use param<k> names and still check shapes", "[io][model]") {
    bare_model a(3, 2), b(3, 2), c(2, 3);
    b.w.assign(b.w.size(), 9.0f);
    const auto path = temp_path("bare.safetensors");
    io::save_model(path, a, {.user = {{"k", "v"}}});
    const io::tensor_file file = io::load_safetensors(path);
    CHECK(file.names() == std::vector<std::string>{"param0.weight", "param1.bias"});
    CHECK(file.metadata.count("architecture") == 0);
    CHECK(io::load_model(path, b).user.at("k") == "v");
    CHECK(b.w == a.w);
    CHECK(b.b == a.b);
    const std::string msg = format_error_of([&] { io::load_model(path, c); });
    CHECK(msg.find("tensor 'param0.weight' has shape [3, 2]; this model needs [2, 3]") != std::string::npos);
    CHECK(c.w[1] == 0.25f);
}

// ---- rejections ------------------------------------------------------------------------------

TEST_CASE("model file: another architecture or value type is a format_error saying what differs", "[io][model]") {
    auto source = make_model<float>(5, 8, 3, 1);
    const auto path = temp_path("arch.safetensors");
    io::save_model(path, source);
    const std::string file = path.string();
    const auto rejected = [&](auto& model) {
        const auto before = parameter_bytes(model);
        const std::string msg = format_error_of([&] { io::load_model(path, model); });
        CHECK(parameter_bytes(model) == before);  // nothing was written
        CHECK(msg.rfind(file + ": ", 0) == 0);
        CHECK(msg.size() < 300);
        return msg;
    };

    auto wider = make_model<float>(5, 8, 4, 1);
    CHECK(rejected(wider) == file + ": architecture differs from this model's: layers[2].out is 3 in the file, 4 in this model");

    auto other_activation = nn::sequential(nn::dense<float>(5, 8), nn::tanh<float>{}, nn::dense<float>(8, 3),
                                           nn::relu<float>{}, nn::dense<float>(3, 1), nn::sigmoid<float>{});
    CHECK(rejected(other_activation) ==
          file + ": architecture differs from this model's: layers[1].type is \"relu\" in the file, \"tanh\" in this model");

    auto shorter = nn::sequential(nn::dense<float>(5, 8), nn::relu<float>{}, nn::dense<float>(8, 1), nn::sigmoid<float>{});
    const std::string count_msg = rejected(shorter);
    CHECK(count_msg.find("layers has 6 entries in the file, 4 in this model") != std::string::npos);
    CHECK(count_msg.find("layers[2].out is 3 in the file, 1 in this model") != std::string::npos);

    auto longer = nn::sequential(nn::dense<float>(5, 8), nn::relu<float>{}, nn::dense<float>(8, 3), nn::relu<float>{},
                                 nn::dense<float>(3, 1), nn::sigmoid<float>{}, nn::dense<float>(1, 1));
    CHECK(rejected(longer).find("layers has 6 entries in the file, 7 in this model (the first 6 agree)") != std::string::npos);

    auto no_bias = nn::sequential(nn::dense<float>(5, 8, {.bias = false}), nn::relu<float>{}, nn::dense<float>(8, 3),
                                  nn::relu<float>{}, nn::dense<float>(3, 1), nn::sigmoid<float>{});
    CHECK(rejected(no_bias).find("layers[0].bias is true in the file, false in this model") != std::string::npos);

    auto as_double = make_model<double>(5, 8, 3, 1);
    CHECK(rejected(as_double) == file + ": the file holds 'float32' weights, this model is float64");
}

TEST_CASE("model file: format, version, tensors and preprocessor entries are checked", "[io][model]") {
    auto model = make_model<float>(4, 3, 2, 5);
    const io::tensor_file good = io::make_model_file(model, {.preprocessor = {{"type", "x"}}});
    auto target = make_model<float>(4, 3, 2, 6);
    const auto before = parameter_bytes(target);
    const auto reason = [&](const io::tensor_file& edited) {
        const auto bytes = edited.to_bytes();
        const std::string msg =
            format_error_of([&] { io::read_model_file(io::tensor_file::from_bytes(bytes, "m.safetensors"), target); });
        CHECK(parameter_bytes(target) == before);
        CHECK(msg.rfind("m.safetensors: ", 0) == 0);
        return msg.substr(15);
    };
    {
        io::tensor_file plain;
        plain.add<float>("w", std::vector<float>{1, 2}, {2});
        CHECK(reason(plain) == "not a causalrec model file (no 'format' metadata entry; a plain safetensors file?)");
    }
    auto f = good;
    f.metadata["format"] = "keras";
    CHECK(reason(f) == "not a causalrec model file ('format' is 'keras', expected 'causalrec-model')");
    f = good;
    f.metadata["format_version"] = "2";
    CHECK(reason(f) == "format version 2 is newer than this causalrec reads (1); update causalrec");
    f.metadata["format_version"] = "99999999999999999999999";
    CHECK(reason(f).find("is newer than this causalrec reads") != std::string::npos);
    for (const char* v : {"", "0", "1.0", "-1", " 1", "one"}) {
        f.metadata["format_version"] = v;
        CHECK(reason(f).find("not a version number") != std::string::npos);
    }
    f = good;
    f.metadata.erase("value_type");
    CHECK(reason(f) == "the 'value_type' metadata entry is missing");
    f = good;
    f.metadata.erase("architecture");
    CHECK(reason(f) == "the 'architecture' metadata entry is missing");
    f.metadata["architecture"] = "{\"type\": \"sequential\", \"layers\": [";
    CHECK(reason(f).rfind("the 'architecture' entry is not valid JSON: ", 0) == 0);
    f.metadata["architecture"] = std::string(200, '[') + std::string(200, ']');
    CHECK(reason(f) == "the 'architecture' entry nests deeper than 64 levels");
    f = good;
    f.metadata["preprocessor"] = "{\"type\": ";
    CHECK(reason(f).rfind("the 'preprocessor' entry is not valid JSON: ", 0) == 0);

    f = good;
    f.erase("layer2.bias");
    CHECK(reason(f) == "tensor 'layer2.bias' is missing (this model has 6 parameter tensors, the file 5)");
    f = good;
    f.add<float>("layer9.weight", std::vector<float>{1}, {1});
    CHECK(reason(f) == "tensor 'layer9.weight' is not a parameter of this model");
    f = good;
    f.erase("layer0.weight");
    f.add<float>("layer0.weight", std::vector<float>(12, 1.0f), {3, 4});
    CHECK(reason(f) == "tensor 'layer0.weight' has shape [3, 4]; this model needs [4, 3]");
    f = good;
    f.erase("layer0.weight");
    f.add<double>("layer0.weight", std::vector<double>(12, 1.0), {4, 3});
    CHECK(reason(f) == "tensor 'layer0.weight' has dtype F64; this model needs F32");

    // The unedited file still loads, and extra metadata keys are ignored.
    f = good;
    f.metadata["trained_by"] = "someone";
    io::read_model_file(io::tensor_file::from_bytes(f.to_bytes(), "m.safetensors"), target);
    CHECK(parameter_bytes(target) == parameter_bytes(model));
}

TEST_CASE("model file: truncated files are format_error at every length and leave the model unchanged", "[io][model]") {
    auto model = make_model<float>(5, 8, 3, 21);
    const auto path = temp_path("full.safetensors");
    io::save_model(path, model, {.preprocessor = {{"type", "pipeline"}, {"steps", nlohmann::json::array()}}});
    const auto bytes = read_bytes(path);
    REQUIRE(bytes.size() > 600);
    std::uint64_t header = 0;
    for (int i = 0; i < 8; ++i) header |= static_cast<std::uint64_t>(std::to_integer<unsigned>(bytes[static_cast<std::size_t>(i)])) << (8 * i);
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n < 300; ++n) lengths.push_back(n);
    for (const std::size_t n : {std::size_t(header) + 7, std::size_t(header) + 8, std::size_t(header) + 9,
                                std::size_t(header) + 40, bytes.size() / 2, bytes.size() - 4, bytes.size() - 1})
        lengths.push_back(n);
    auto target = make_model<float>(5, 8, 3, 22);
    const auto before = parameter_bytes(target);
    const auto cut = temp_path("cut.safetensors");
    std::size_t rejected = 0;
    for (const std::size_t n : lengths) {
        write_bytes(cut, std::span(bytes).first(n));
        try {
            io::load_model(cut, target);
        } catch (const cr::format_error& e) {
            if (std::string_view(e.what()).rfind(cut.string(), 0) == 0) ++rejected;
        }
    }
    CHECK(rejected == lengths.size());
    CHECK(parameter_bytes(target) == before);
    write_bytes(cut, bytes);
    io::load_model(cut, target);
    CHECK(parameter_bytes(target) == parameter_bytes(model));
}

// ---- fuzz ------------------------------------------------------------------------------------

namespace {

struct fuzz_counts {
    std::size_t inputs = 0, accepted = 0, rejected = 0;
};

}  // namespace

TEST_CASE("model file: mutated files are loaded or rejected with format_error, never half-loaded", "[io][model][fuzz]") {
    const auto t0 = std::chrono::steady_clock::now();
    auto source = make_model<float>(4, 3, 2, 31);
    auto scaler = pp::standard_scaler{};
    scaler.fit(random_matrix<double>(20, 4, 2));
    const io::tensor_file base_file = io::make_model_file(source, {.preprocessor = scaler.to_json(), .user = {{"a", "b"}}});
    const auto base = base_file.to_bytes();
    std::uint64_t header_size = 0;
    for (int i = 0; i < 8; ++i) header_size |= static_cast<std::uint64_t>(std::to_integer<unsigned>(base[static_cast<std::size_t>(i)])) << (8 * i);
    const std::string header_text(reinterpret_cast<const char*>(base.data() + 8), header_size);
    const std::span<const std::byte> data = std::span(base).subspan(8 + header_size);

    auto model = make_model<float>(4, 3, 2, 32);  // the target: its parameters must change only on success
    cr::rng rng(20240611);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.uniform_index(n)); };
    std::map<std::string, fuzz_counts> stats;
    std::vector<std::string> failures;
    std::map<std::string, std::size_t> reasons;  // first words of the model-level messages
    std::size_t preprocessors_restored = 0;

    const auto try_load = [&](const std::vector<std::byte>& bytes, const std::string& kind, bool on_disk) {
        auto& s = stats[kind];
        ++s.inputs;
        const std::string name = on_disk ? temp_path("fuzz.safetensors").string() : std::string("fuzz.safetensors");
        const auto before = parameter_bytes(model);
        try {
            const io::model_extras extras = on_disk ? (write_bytes(name, bytes), io::load_model(name, model))
                                                    : io::read_model_file(io::tensor_file::from_bytes(bytes, name), model);
            ++s.accepted;
            // The preprocessor state, whatever the edits made of it, restores or raises format_error.
            try {
                (void)io::load_preprocessor<pp::standard_scaler>(extras);
                ++preprocessors_restored;
            } catch (const cr::format_error&) {
            }
            // Loaded: the model holds exactly the file's tensors.
            const auto file = io::tensor_file::from_bytes(bytes, name);
            for (const auto& [pname, view] : model.named_parameters()) {
                const auto values = file.get_values<float>(pname);
                if (values.size() != view.value.size() ||
                    std::memcmp(values.data(), view.value.data(), view.value.size_bytes()) != 0)
                    failures.push_back(kind + ": loaded values differ from the file's tensor " + pname);
            }
            (void)io::read_model_file(base_file, model);  // back to the source's weights
        } catch (const cr::format_error& e) {
            ++s.rejected;
            const std::string_view msg(e.what());
            if (msg.rfind(name + ": ", 0) != 0) {
                failures.push_back(kind + ": message does not start with the file: " + e.what());
            } else {
                ++reasons[std::string(msg.substr(name.size() + 2, 24))];
            }
            if (parameter_bytes(model) != before) failures.push_back(kind + ": a rejected file changed the model: " + e.what());
        } catch (const std::exception& e) {
            failures.push_back(kind + ": unexpected exception: " + e.what());
        }
    };

    const auto with_header = [&](const std::string& h, std::span<const std::byte> d) {
        std::vector<std::byte> out(8);
        for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::byte>((h.size() >> (8 * i)) & 0xFF);
        for (const char c : h) out.push_back(static_cast<std::byte>(c));
        out.insert(out.end(), d.begin(), d.end());
        return out;
    };

    // 1. Byte changes in the length field and the header.
    for (int k = 0; k < 1200; ++k) {
        auto b = base;
        for (std::size_t c = 1 + pick(3); c > 0; --c) {
            const std::size_t at = pick(8 + header_size);
            b[at] = rng.bernoulli(0.5) ? static_cast<std::byte>(rng() & 0xFF) : (b[at] ^ static_cast<std::byte>(1u << pick(8)));
        }
        try_load(b, "header byte", k % 10 == 0);
    }
    // 2. Byte changes in the data: the file stays valid, with other weights.
    for (int k = 0; k < 300; ++k) {
        auto b = base;
        for (std::size_t c = 1 + pick(4); c > 0; --c) b[8 + header_size + pick(data.size())] = static_cast<std::byte>(rng() & 0xFF);
        try_load(b, "data byte", k % 10 == 0);
    }
    // 3. Random truncations.
    for (int k = 0; k < 200; ++k) {
        auto b = base;
        b.resize(pick(b.size()));
        try_load(b, "truncate", k % 10 == 0);
    }
    // 4. Text spliced into the header (which holds the architecture and preprocessor JSON, escaped).
    const std::string alphabet = "{}[]\":,0123456789-.eE \\\"abdefilnorstuyF_";
    for (int k = 0; k < 1200; ++k) {
        std::string h = header_text;
        const std::size_t at = pick(h.size() + 1);
        const std::size_t n = 1 + pick(6);
        std::string piece;
        for (std::size_t c = 0; c < n; ++c)
            piece.push_back(rng.bernoulli(0.85) ? alphabet[pick(alphabet.size())] : static_cast<char>(rng() & 0xFF));
        switch (pick(3)) {
            case 0: h.insert(at, piece); break;
            case 1: h.replace(at, std::min(n, h.size() - at), piece); break;
            default: h.erase(at, std::min(n, h.size() - at)); break;
        }
        try_load(with_header(h, data), "header splice", k % 10 == 0);
    }
    // 5. Structured edits of the metadata and the tensors (valid safetensors files, checked by the model layer).
    const std::vector<std::string> keys = {"format", "format_version", "value_type", "architecture", "preprocessor", "user.a"};
    const std::vector<std::string> values = {"", "1", "2", "0", "causalrec-model", "float32", "float64", "float16",
                                             "{}", "[]", "null", "{\"type\":\"sequential\",\"layers\":[]}", "\xff", "1e3"};
    const std::vector<std::string> names = {"layer0.weight", "layer0.bias", "layer2.weight", "layer2.bias",
                                            "layer4.weight", "layer4.bias", "layer1.weight", "layer0.Weight", "x"};
    const nlohmann::json architecture = source.config();
    for (int k = 0; k < 2400; ++k) {
        io::tensor_file f = base_file;
        std::string kind;
        for (std::size_t e = 1 + pick(2); e > 0; --e) {
            switch (pick(8)) {
                case 0: {  // a metadata value replaced or erased
                    const auto& key = keys[pick(keys.size())];
                    if (rng.bernoulli(0.3)) f.metadata.erase(key);
                    else f.metadata[key] = values[pick(values.size())];
                    kind = "metadata value";
                    break;
                }
                case 1:
                case 2: {  // the architecture edited as JSON: a leaf changed, a key dropped, a layer dropped or swapped
                    nlohmann::json a = architecture;
                    auto& layers = a["layers"];
                    auto& layer = layers[pick(layers.size())];
                    switch (pick(5)) {
                        case 0: layer["type"] = std::array{"dense", "relu", "tanh", "sigmoid", "dropout"}[pick(5)]; break;
                        case 1:
                            if (layer.contains("out")) layer["out"] = layer["out"].get<std::size_t>() + 1 - pick(3);
                            break;
                        case 2: layer.erase(layer.begin().key()); break;
                        case 3: layers.erase(layers.begin() + static_cast<std::ptrdiff_t>(pick(layers.size()))); break;
                        default: std::swap(layers[0], layers[pick(layers.size())]); break;
                    }
                    f.metadata["architecture"] = a.dump(pick(2) == 0 ? -1 : 1);
                    kind = "architecture";
                    break;
                }
                case 3: {  // the architecture text edited character-wise
                    std::string a = f.metadata["architecture"];
                    const std::size_t at = pick(a.size());
                    a[at] = alphabet[pick(alphabet.size())];
                    f.metadata["architecture"] = a;
                    kind = "architecture text";
                    break;
                }
                case 4: {  // a tensor renamed
                    const auto all = f.names();
                    const auto& from = all[pick(all.size())];
                    const auto& to = names[pick(names.size())];
                    if (from != to && !f.contains(to)) {
                        auto t = f.at(from);
                        f.erase(from);
                        f.add(to, std::move(t));
                    }
                    kind = "tensor name";
                    break;
                }
                case 5: {  // a tensor erased or an extra one added
                    if (rng.bernoulli(0.5)) {
                        const auto all = f.names();
                        if (!all.empty()) f.erase(all[pick(all.size())]);
                    } else if (!f.contains("extra")) {
                        f.add<float>("extra", std::vector<float>{1, 2, 3}, {3});
                    }
                    kind = "tensor set";
                    break;
                }
                case 6: {  // a tensor reshaped or retyped
                    const auto all = f.names();
                    if (all.empty()) break;
                    const auto& name = all[pick(all.size())];
                    const auto values_f = f.at(name).type == io::dtype::f32 ? f.get_values<float>(name) : std::vector<float>{};
                    const std::size_t n = values_f.size();
                    f.erase(name);
                    switch (pick(3)) {
                        case 0: f.add<float>(name, values_f, {n}); break;
                        case 1: f.add<double>(name, std::vector<double>(values_f.begin(), values_f.end()), {n}); break;
                        default: f.add<float>(name, std::vector<float>(n + 1, 0.5f), {n + 1}); break;
                    }
                    kind = "tensor shape";
                    break;
                }
                default: {  // the preprocessor text cut or changed
                    std::string p = f.metadata.count("preprocessor") ? f.metadata["preprocessor"] : std::string("{}");
                    if (rng.bernoulli(0.5)) p.resize(pick(p.size() + 1));
                    else if (!p.empty()) p[pick(p.size())] = alphabet[pick(alphabet.size())];
                    f.metadata["preprocessor"] = p;
                    kind = "preprocessor";
                    break;
                }
            }
        }
        std::vector<std::byte> bytes;
        try {
            bytes = f.to_bytes();
        } catch (const cr::argument_error&) {  // "\xff" is refused by the writer: splice it in by hand
            continue;
        }
        try_load(bytes, kind, k % 10 == 0);
    }

    std::size_t inputs = 0, accepted = 0, rejected = 0;
    for (const auto& [kind, s] : stats) {
        inputs += s.inputs;
        accepted += s.accepted;
        rejected += s.rejected;
        std::printf("  %-18s %5zu inputs, %5zu accepted, %5zu rejected\n", kind.c_str(), s.inputs, s.accepted, s.rejected);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("model file fuzz: %zu inputs, %zu accepted, %zu rejected with format_error, %zu failures, "
                "%zu distinct message openings, %zu preprocessors restored; %.2f s\n",
                inputs, accepted, rejected, failures.size(), reasons.size(), preprocessors_restored, seconds);
    for (std::size_t i = 0; i < std::min<std::size_t>(failures.size(), 10); ++i) UNSCOPED_INFO(failures[i]);
    CHECK(failures.empty());
    CHECK(accepted + rejected == inputs);
    CHECK(inputs > 5000);
    CHECK(stats["data byte"].accepted == stats["data byte"].inputs);
    CHECK(stats["architecture"].rejected > 100);
    CHECK(stats["tensor name"].rejected > 50);
    CHECK(accepted > 300);
    CHECK(rejected > 4000);
    CHECK(preprocessors_restored > 100);
}

// ---- checkpoint ------------------------------------------------------------------------------

TEST_CASE("model checkpoint: saves every epoch or the best one, with the weights of that epoch", "[train][model]") {
    const auto gen = cr::data::make_classification<double>({.rows = 300, .categorical_features = 0, .missing_fraction = 0.0,
                                                            .seed = 4});
    auto prep = pp::pipeline(pp::standard_scaler{});
    const cr::matrix<double> x = prep.fit_transform(gen.data.features());
    const cr::vector<double> y = gen.data.labels();
    const std::size_t epochs = 12;

    auto model = make_model<double>(x.shape()[1], 8, 4, 9);
    std::vector<std::vector<double>> weights;  // per epoch
    std::vector<double> val_loss;
    const auto best_path = temp_path("best.safetensors");
    const auto every_path = (temp_dir() / "every_{epoch}.safetensors").string();
    train::model_checkpoint best({.path = best_path.string(), .save_best_only = true,
                                  .extras = {.preprocessor = prep.to_json(), .user = {{"run", "1"}}}});
    train::model_checkpoint every({.path = every_path, .monitor = "val_loss"});
    const train::history h = train::fit(
        model, cr::loss::binary_cross_entropy{}, cr::optim::sgd<double>({.learning_rate = 0.9, .momentum = 0.9}), x, y,
        {.epochs = epochs, .batch_size = 16, .validation_split = 0.3, .verbose = 0},
        train::on_epoch_end([&](auto& ctx) {
            std::vector<double> w;
            for (const auto& p : ctx.parameters) w.insert(w.end(), p.value.begin(), p.value.end());
            weights.push_back(std::move(w));
            val_loss.push_back(ctx.logs.at("val_loss"));
        }),
        best, every);
    REQUIRE(h.epochs() == epochs);
    REQUIRE(weights.size() == epochs);

    // Expected: the epochs where val_loss beat every earlier value.
    std::vector<std::size_t> improved;
    double running = std::numeric_limits<double>::infinity();
    for (std::size_t e = 0; e < epochs; ++e)
        if (val_loss[e] < running) {
            running = val_loss[e];
            improved.push_back(e + 1);
        }
    INFO("improving epochs: " << improved.size());
    CHECK(best.saved_epochs() == improved);
    CHECK(improved.size() < epochs);  // the high learning rate makes val_loss go up sometimes
    CHECK(best.best() == running);
    CHECK(best.best_epoch() == improved.back());
    CHECK(every.best_epoch() == improved.back());
    CHECK(every.saved_epochs().size() == epochs);

    auto restored = make_model<double>(x.shape()[1], 8, 4, 1234);
    const auto extras = io::load_model(best_path, restored);
    CHECK(parameter_values(restored) == weights[best.best_epoch() - 1]);
    CHECK(extras.user.at("run") == "1");
    CHECK(extras.preprocessor == prep.to_json());
    for (std::size_t e = 1; e <= epochs; ++e) {
        const std::string p = every.path_for(e);
        CHECK(p.find("every_" + std::to_string(e) + ".safetensors") != std::string::npos);
        io::load_model(p, restored);
        CHECK(parameter_values(restored) == weights[e - 1]);
    }
    CHECK_FALSE(std::filesystem::exists(best_path.string() + ".tmp"));

    // Maximize mode on the loss saves the first epoch and then only worse ones.
    train::model_checkpoint worst({.path = temp_path("worst.safetensors").string(), .monitor = "loss",
                                   .save_best_only = true, .mode = train::monitor_mode::maximize});
    auto m2 = make_model<double>(x.shape()[1], 8, 4, 9);
    train::fit(m2, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>({.learning_rate = 1e-2}), x, y,
               {.epochs = 3, .verbose = 0}, worst);
    REQUIRE_FALSE(worst.saved_epochs().empty());
    CHECK(worst.saved_epochs().front() == 1);

    // Errors: no path; a monitored key the logs do not have.
    CHECK_THROWS_AS(train::model_checkpoint(train::model_checkpoint_options{}), cr::argument_error);
    train::model_checkpoint missing({.path = temp_path("m.safetensors").string(), .save_best_only = true});
    auto m3 = make_model<double>(x.shape()[1], 8, 4, 9);
    CHECK_THROWS_AS(train::fit(m3, cr::loss::binary_cross_entropy{}, cr::optim::adam<double>(), x, y,
                               {.epochs = 1, .verbose = 0}, missing),
                    cr::argument_error);
    train::model_checkpoint tokens({.path = "a{epoch}b{epoch}{epoc}"});
    CHECK(tokens.path_for(7) == "a7b7{epoc}");
}

// ---- chart -----------------------------------------------------------------------------------

TEST_CASE("history chart: one polyline per series with a point per finite epoch value", "[train][chart]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    train::history h;
    h.loss = {0.9, 0.7, 0.6, 0.55, 0.5};
    h.val_loss = {1.0, 0.8, nan, 0.7, 0.72};
    h.metrics["accuracy"] = {0.5, 0.6, 0.7, 0.75, 0.8};
    h.metrics["val_accuracy"] = {0.45, 0.55, 0.6, 0.62, 0.61};
    h.learning_rate = {0.1, 0.1, 0.05, 0.05, 0.01};

    const std::string losses = train::history_svg(h);
    CHECK(polyline_points(losses) == std::vector<std::size_t>{5, 4});
    CHECK(losses.find("<title>loss</title>") != std::string::npos);
    CHECK(losses.find("<title>val_loss</title>") != std::string::npos);
    CHECK(losses.find("Training history") != std::string::npos);
    CHECK(losses.find(">epoch</text>") != std::string::npos);
    CHECK(count(losses, "stroke=\"#1f77b4\"") == 4);  // loss and val_loss share a colour (lines and legend)
    CHECK(count(losses, "stroke-dasharray") == 2);       // val_loss is dashed (line and legend)

    const std::string all = train::history_svg(h, {.metrics = {"accuracy", "val_accuracy", "learning_rate"}, .title = "run 1"});
    CHECK(polyline_points(all) == std::vector<std::size_t>{5, 4, 5, 5, 5});
    CHECK(all.find(">run 1</text>") != std::string::npos);
    CHECK(all.find(">value</text>") != std::string::npos);

    const std::string only_metrics = train::history_svg(h, {.metrics = {"val_accuracy"}, .loss = false, .val_loss = false});
    CHECK(polyline_points(only_metrics) == std::vector<std::size_t>{5});

    train::history no_validation;
    no_validation.loss = {1.0, 0.5, 0.25};
    CHECK(polyline_points(train::history_svg(no_validation)) == std::vector<std::size_t>{3});
    CHECK(polyline_points(train::history_svg(train::history{})) == std::vector<std::size_t>{0});

    CHECK_THROWS_AS(train::history_svg(h, {.metrics = {"auc"}}), cr::argument_error);
    CHECK_THROWS_AS(train::history_svg(h, {.width = 10}), cr::argument_error);

    const auto path = temp_path("history.svg");
    train::write_history_svg(path, h, {.metrics = {"accuracy"}});
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == train::history_svg(h, {.metrics = {"accuracy"}}));
}

}  // namespace causalrec_test_model_file
