// fuzz_csv: bytes -> data::read_csv_text<float>. The first byte picks the schema variant and the reader
// settings (tiny chunks exercise records that cross buffer refills; few inference rows exercise late
// type errors); the rest is the CSV text. Accepted: a dataset (whose shape and codes are then checked)
// or a causalrec::error. Anything else (crash, sanitizer report, other exception) is a finding.
#include <causalrec/data/csv.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"

namespace cr = causalrec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    cr::data::csv_options o;
    switch (mode & 3) {
        case 0: break;                                   // everything inferred, no roles
        case 1: o.label = "label"; break;                // a label column
        case 2:                                          // every role
            o.label = "label";
            o.weight = "w";
            o.treatment = "t";
            o.id = "id";
            o.ignore = {"skip"};
            break;
        case 3:                                          // ';' separated, forced types
            o.delimiter = ';';
            o.label = "label";
            o.categorical = {"c", "label"};
            o.numeric = {"x"};
            o.missing_values = {"", "?"};
            break;
    }
    // Chunking is transparent to the result. The default 4 MiB chunk is zero-filled on every call, which
    // would cut the fuzzer's speed about tenfold, so the harness uses 4 KiB, or the tokenizer's minimum
    // (64 bytes) to make records cross buffer refills.
    o.chunk_bytes = (mode & 4) ? 1 : 4096;
    if (mode & 8) o.type_inference_rows = 1;
    if (mode & 16) o.overflow_to_infinity = true;  // numbers beyond float's range read as +-inf
    try {
        const auto d = cr::data::read_csv_text<float>(text, o, "fuzz.csv");
        const std::size_t rows = d.rows();
        CAUSALREC_FUZZ_CHECK(rows > 0, "an accepted file has at least one row");
        CAUSALREC_FUZZ_CHECK(d.features().shape()[0] == rows && d.features().shape()[1] == d.columns().size(),
                             "feature matrix shape matches rows x columns");
        if (!o.label.empty()) CAUSALREC_FUZZ_CHECK(d.has_labels() && d.labels().size() == rows, "one label per row");
        if (!o.weight.empty()) CAUSALREC_FUZZ_CHECK(d.has_weights() && d.weights().size() == rows, "one weight per row");
        if (!o.treatment.empty()) CAUSALREC_FUZZ_CHECK(d.has_treatment() && d.treatment().size() == rows, "one treatment per row");
        if (!o.id.empty()) CAUSALREC_FUZZ_CHECK(d.ids().size() == rows, "one id per row");
        for (std::size_t i = 0; !o.label.empty() && i < rows; ++i)
            CAUSALREC_FUZZ_CHECK(!std::isnan(d.labels()(i)), "labels are never NaN");
        const std::size_t w = d.columns().size();
        for (std::size_t k = 0; k < w; ++k) {
            const auto& c = d.columns()[k];
            if (c.kind != cr::data::column_kind::categorical) continue;
            for (std::size_t i = 0; i < rows; ++i) {
                const float v = d.features()(i, k);
                if (std::isnan(v)) continue;
                CAUSALREC_FUZZ_CHECK(v >= 0 && v == std::floor(v) && static_cast<std::size_t>(v) < c.categories.size(),
                                     "a category code names one of the column's categories");
            }
        }
    } catch (const cr::error&) {
        // rejected with a causalrec error: fine
    }
    return 0;
}
