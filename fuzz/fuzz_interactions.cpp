// fuzz_interactions: bytes -> data::read_interactions_text. The first byte picks the variant: plain
// user,item log; every optional column (value, timestamp, weight, propensity) with summed duplicates;
// no header (columns "1", "2"); or ids mapped through fixed id maps (unknown ids dropped or an error).
// Accepted: a log whose indices, counts and CSR views are consistent; rejected: a causalrec::error.
// Anything else (crash, sanitizer report, other exception) is a finding.
#include <causalrec/data/interactions.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"

namespace cr = causalrec;
namespace data = causalrec::data;

namespace {

void check_csr(const data::csr_matrix& m, std::size_t rows, std::size_t cols, std::size_t log_rows) {
    CAUSALREC_FUZZ_CHECK(m.rows() == rows && m.cols == cols, "CSR view has n_users x n_items (or transposed)");
    CAUSALREC_FUZZ_CHECK(m.row_ptr.front() == 0 && m.row_ptr.back() == m.nnz() && m.values.size() == m.nnz(),
                         "CSR offsets cover the entries");
    CAUSALREC_FUZZ_CHECK(m.nnz() <= log_rows, "CSR has at most one entry per log row");
    for (std::size_t r = 0; r < rows; ++r) {
        CAUSALREC_FUZZ_CHECK(m.row_ptr[r] <= m.row_ptr[r + 1], "CSR offsets are non-decreasing");
        const auto idx = m.row_indices(r);
        for (std::size_t k = 0; k < idx.size(); ++k) {
            CAUSALREC_FUZZ_CHECK(idx[k] < cols, "CSR column index in range");
            if (k > 0) CAUSALREC_FUZZ_CHECK(idx[k - 1] < idx[k], "CSR columns strictly ascending");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = bytes[0];
    const std::string_view text(reinterpret_cast<const char*>(bytes + 1), size - 1);
    data::interaction_csv_options o;
    o.chunk_bytes = (mode & 4) ? 1 : 4096;  // transparent to the result; see fuzz_csv.cpp
    try {
        data::interactions log;
        switch (mode & 3) {
            case 0: log = data::read_interactions_text(text, o, "fuzz.csv"); break;
            case 1:
                o.value = "v";
                o.timestamp = "ts";
                o.weight = "w";
                o.propensity = "p";
                o.duplicates = data::duplicate_policy::sum;
                log = data::read_interactions_text(text, o, "fuzz.csv");
                break;
            case 2:
                o.header = false;
                o.user = "1";
                o.item = "2";
                o.delimiter = (mode & 8) ? '\t' : ',';
                log = data::read_interactions_text(text, o, "fuzz.csv");
                break;
            case 3: {
                static const data::id_map users({"u1", "u2", "7"});
                static const data::id_map items({"i1", "i2", "07"});
                o.unknown_ids = (mode & 8) ? data::unknown_id_policy::drop : data::unknown_id_policy::error;
                std::size_t dropped = 0;
                log = data::read_interactions_text(text, users, items, o, "fuzz.csv", &dropped);
                CAUSALREC_FUZZ_CHECK(log.n_users() == 3 && log.n_items() == 3, "fixed id maps keep their counts");
                break;
            }
        }
        const std::size_t n = log.size();
        CAUSALREC_FUZZ_CHECK(log.items().size() == n && log.values().size() == n, "one item and value per row");
        for (std::size_t r = 0; r < n; ++r) {
            CAUSALREC_FUZZ_CHECK(log.users()[r] < log.n_users() && log.items()[r] < log.n_items(), "indices in range");
            CAUSALREC_FUZZ_CHECK(std::isfinite(log.values()[r]), "values are finite");
        }
        if (log.has_propensities())
            for (const double p : log.propensities()) CAUSALREC_FUZZ_CHECK(p > 0.0 && p <= 1.0, "propensity in (0, 1]");
        CAUSALREC_FUZZ_CHECK(log.user_ids().size() == log.n_users() && log.item_ids().size() == log.n_items(),
                             "one original id per user and item");
        check_csr(log.by_user(), log.n_users(), log.n_items(), n);
        check_csr(log.by_item(), log.n_items(), log.n_users(), n);
        CAUSALREC_FUZZ_CHECK(log.by_user().nnz() == log.by_item().nnz(), "both CSR views hold the same pairs");
    } catch (const cr::error&) {
        // rejected with a causalrec error: fine
    }
    return 0;
}
