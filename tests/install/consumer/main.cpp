// Uses the installed headers end to end: synthetic data -> CSV text -> split -> a BLAS product.
#include <causalrec/causalrec.hpp>
#include <xtensor-blas/xlinalg.hpp>

#include <iostream>

int main() {
    namespace cr = causalrec;
    const auto gen = cr::data::make_classification<double>({.rows = 200, .missing_fraction = 0.0});
    auto [train, test] = cr::data::train_test_split(gen.data, {.test_fraction = 0.25, .seed = 1});
    const cr::matrix<double> gram = xt::linalg::dot(xt::transpose(train.features()), train.features());
    const bool ok = train.rows() == 150 && test.rows() == 50 && gram.shape()[0] == train.cols();
    std::cout << "consumer: " << train.rows() << " train rows, " << test.rows() << " test rows, BLAS: "
              << cr::blas_info() << "\n";
    return ok ? 0 : 1;
}
