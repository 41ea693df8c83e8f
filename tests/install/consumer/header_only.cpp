// Uses causalrec::header_only of the installed package: header-only even when the package holds the
// compiled part (CAUSALREC_HEADER_ONLY is 1, nothing of libcausalrec is linked).
#include <causalrec/data/data.hpp>

#include <iostream>

static_assert(CAUSALREC_HEADER_ONLY == 1, "causalrec::header_only must not define CAUSALREC_COMPILED");

int main() {
    namespace cr = causalrec;
    const auto gen = cr::data::make_classification<double>({.rows = 100, .missing_fraction = 0.0});
    auto [train, test] = cr::data::train_test_split(gen.data, {.test_fraction = 0.2, .seed = 1});
    std::cout << "consumer_header_only: " << train.rows() << " train rows, " << test.rows() << " test rows\n";
    return train.rows() == 80 && test.rows() == 20 ? 0 : 1;
}
