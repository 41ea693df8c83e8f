// fuzz_model_file: bytes -> io::tensor_file::from_bytes -> io::read_model_file into a small fixed
// nn::sequential (dense 3->4, relu, dense 4->1, sigmoid; float). Rejection (by either step) must be a
// causalrec::error and must leave the model's parameters bit-for-bit unchanged. On success the model's
// parameters must equal the file's tensors (make_model_file(model) has the same tensors as the input).
#include <causalrec/io/model.hpp>
#include <causalrec/nn/nn.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_common.hpp"

namespace cr = causalrec;
namespace io = causalrec::io;
namespace nn = causalrec::nn;

namespace {

auto make_model() {
    auto m = nn::sequential(nn::dense<float>(3, 4), nn::relu<float>{}, nn::dense<float>(4, 1), nn::sigmoid<float>{});
    m.initialize(12345);
    return m;
}

template <class Model>
std::vector<unsigned char> parameter_bytes(Model& model) {
    std::vector<unsigned char> out;
    for (const auto& p : model.parameters()) {
        const auto* b = reinterpret_cast<const unsigned char*>(p.value.data());
        out.insert(out.end(), b, b + p.value.size_bytes());
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static auto model = make_model();
    static const auto initial = parameter_bytes(model);
    // Every input starts from the same weights (a successful load changes them).
    {
        std::size_t pos = 0;
        for (const auto& p : model.parameters()) {
            std::memcpy(p.value.data(), initial.data() + pos, p.value.size_bytes());
            pos += p.value.size_bytes();
        }
    }
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    try {
        const auto file = io::tensor_file::from_bytes(bytes, "fuzz.model");
        try {
            const auto extras = io::read_model_file(file, model);
            (void)extras;
        } catch (const cr::error&) {
            CAUSALREC_FUZZ_CHECK(parameter_bytes(model) == initial, "a rejected model file leaves the model unchanged");
            return 0;
        }
        const auto written = io::make_model_file(model);
        CAUSALREC_FUZZ_CHECK(written.tensors() == file.tensors(), "after a load the model holds the file's tensors");
    } catch (const cr::error&) {
        CAUSALREC_FUZZ_CHECK(parameter_bytes(model) == initial, "a rejected file leaves the model unchanged");
    }
    return 0;
}
