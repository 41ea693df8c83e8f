// Writes the binary seed files of fuzz/corpus/safetensors and fuzz/corpus/model_file with the C++ API
// (not a fuzzer). Usage: fuzz_make_seeds <fuzz/corpus>. The files are committed; rerun this only when
// the formats change. The model seeds use the fuzz_model_file model: dense 3->4, relu, dense 4->1, sigmoid.
#include <causalrec/io/model.hpp>
#include <causalrec/nn/nn.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace io = causalrec::io;
namespace nn = causalrec::nn;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, std::span<const std::byte> bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::printf("%s (%zu bytes)\n", path.string().c_str(), bytes.size());
}

template <class T>
auto model(std::size_t hidden) {
    auto m = nn::sequential(nn::dense<T>(3, hidden), nn::relu<T>{}, nn::dense<T>(hidden, 1), nn::sigmoid<T>{});
    m.initialize(7);
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <fuzz/corpus>\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    const fs::path st = root / "safetensors", mf = root / "model_file";

    // safetensors: empty, metadata only, one tensor, every typed dtype and rank 0..3, raw BF16.
    write(st / "empty.safetensors", io::tensor_file{}.to_bytes());
    {
        io::tensor_file f;
        f.metadata["format"] = "pt";
        f.metadata["note"] = "\xC3\xA9t\xC3\xA9 \"quoted\"";
        write(st / "metadata_only.safetensors", f.to_bytes());
    }
    {
        io::tensor_file f;
        f.add<float>("w", std::vector<float>{1.0f, -2.5f, 0.0f, 3.25f}, {2, 2});
        write(st / "one_f32.safetensors", f.to_bytes());
    }
    {
        io::tensor_file f;
        f.metadata["epoch"] = "7";
        f.add<double>("bias", std::vector<double>{0.5, -0.25}, {2});
        f.add<std::int32_t>("ids", std::vector<std::int32_t>{-3, 0, 7, 100000, -2147483647 - 1, 2147483647}, {2, 3});
        f.add<std::int64_t>("counter", std::vector<std::int64_t>{1234567890123}, {});
        f.add<std::uint8_t>("mask", std::vector<std::uint8_t>{0, 1, 1, 0, 255}, {5});
        f.add<std::int16_t>("cube", std::vector<std::int16_t>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
        f.add<float>("empty", std::vector<float>{}, {0, 3});
        write(st / "mixed.safetensors", f.to_bytes());
    }
    {
        io::tensor_file f;
        f.add("half", io::tensor{.type = io::dtype::bf16, .shape = {2}, .data = {std::byte{0x80}, std::byte{0x3F},
                                                                                std::byte{0x00}, std::byte{0xC0}}});
        f.add("flag", io::tensor{.type = io::dtype::boolean, .shape = {1}, .data = {std::byte{1}}});
        write(st / "raw_dtypes.safetensors", f.to_bytes());
    }

    // model files: the fuzz model (plain, with extras), and files the model must reject.
    {
        auto m = model<float>(4);
        write(mf / "model.safetensors", io::make_model_file(m).to_bytes());
        io::model_extras extras;
        extras.preprocessor = {{"type", "standard_scaler"}, {"mean", {0.5, 1.5, -2.0}}, {"scale", {1.0, 2.0, 0.5}}};
        extras.user["run"] = "seed";
        write(mf / "model_extras.safetensors", io::make_model_file(m, extras).to_bytes());
    }
    {
        auto m = model<float>(5);  // another architecture
        write(mf / "other_architecture.safetensors", io::make_model_file(m).to_bytes());
    }
    {
        auto m = model<double>(4);  // another value type
        write(mf / "float64.safetensors", io::make_model_file(m).to_bytes());
    }
    {
        io::tensor_file f;  // plain safetensors, no causalrec metadata
        f.add<float>("layer0.weight", std::vector<float>(12, 0.5f), {3, 4});
        write(mf / "plain.safetensors", f.to_bytes());
    }
    return 0;
}
