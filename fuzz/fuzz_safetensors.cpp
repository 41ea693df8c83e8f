// fuzz_safetensors: bytes -> io::tensor_file::from_bytes. Rejection must be a causalrec::error. An
// accepted file must survive re-serialisation: from_bytes(to_bytes(f)) == f, and to_bytes is a fixed
// point (the canonical layout re-serialises to the same bytes). Anything else is a finding.
#include <causalrec/io/safetensors.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_common.hpp"

namespace cr = causalrec;
namespace io = causalrec::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    io::tensor_file f;
    try {
        f = io::tensor_file::from_bytes(bytes, "fuzz.safetensors");
    } catch (const cr::error&) {
        return 0;  // rejected with a causalrec error: fine
    }
    // Accepted: every tensor's byte count matches its dtype and shape.
    for (const auto& [name, t] : f.tensors())
        CAUSALREC_FUZZ_CHECK(t.data.size() == t.element_count() * io::dtype_size(t.type),
                             "an accepted tensor holds element_count * dtype_size bytes");
    // Accepted files re-serialise (to_bytes throwing here would be an inconsistency: the reader
    // accepted names or metadata that the writer refuses, so it is not caught).
    const auto out = f.to_bytes();
    const auto again = io::tensor_file::from_bytes(out, "fuzz.safetensors (re-serialised)");
    CAUSALREC_FUZZ_CHECK(again == f, "from_bytes(to_bytes(f)) == f");
    CAUSALREC_FUZZ_CHECK(again.to_bytes() == out, "to_bytes is canonical (a fixed point)");
    return 0;
}
