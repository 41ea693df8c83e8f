// Uses the packaged headers: built-in data, a split, preprocessing and one training epoch of a small model.
#include <causalrec/causalrec.hpp>

#include <iostream>

int main() {
    namespace cr = causalrec;
    const auto gen = cr::data::make_classification<float>({.rows = 200, .missing_fraction = 0.0, .seed = 3});
    auto [train, test] = cr::data::train_test_split(gen.data, {.test_fraction = 0.25, .seed = 1});
    auto scaler = cr::preprocess::standard_scaler{};
    const cr::matrix<float> X = scaler.fit_transform(train.features());
    auto model = cr::nn::sequential(cr::nn::dense<float>(X.shape()[1], 4), cr::nn::relu{}, cr::nn::dense<float>(4, 1),
                                    cr::nn::sigmoid{});
    model.initialize(1);
    const auto history = cr::train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam{{.learning_rate = 1e-2}}, X,
                                        train.labels(), {.epochs = 1, .batch_size = 32, .verbose = 0});
    std::cout << "causalrec test_package: " << train.rows() << " training rows, loss " << history.loss.back()
              << ", BLAS: " << cr::blas_info() << "\n";
    return train.rows() == 150 && test.rows() == 50 && history.epochs() == 1 ? 0 : 1;
}
