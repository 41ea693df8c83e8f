// End-to-end walk through the data, preprocessing and metrics modules:
//   built-in data (or your CSV) -> CSV reader -> stratified split -> imputation, one-hot encoding and
//   scaling per column type -> a logistic-regression baseline trained with mini-batches -> metrics and
//   a classification report -> the fitted preprocessing saved and restored.
//
//   data_walkthrough                      uses the built-in synthetic data (written to a temporary CSV)
//   data_walkthrough data.csv [label]     reads your CSV; the label column defaults to "label"
#include <causalrec/causalrec.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace pp = causalrec::preprocess;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// A logistic-regression baseline: mini-batch gradient descent on the mean log-loss.
struct logistic_regression {
    std::vector<double> w;
    double b = 0.0;

    void fit(const cr::matrix<float>& X, const cr::vector<float>& y, int epochs, double lr, std::uint64_t seed) {
        const std::size_t d = X.shape()[1];
        w.assign(d, 0.0);
        const auto Y = cr::data::as_column(y);
        cr::data::batch_iterator<float> batches(X, Y, {.batch_size = 64, .seed = seed});
        std::vector<double> grad(d);
        for (int epoch = 0; epoch < epochs; ++epoch) {
            double loss = 0.0;
            for (batches.start_epoch(static_cast<std::size_t>(epoch)); batches.next();) {
                const auto& xb = batches.features();
                const auto& yb = batches.targets();
                const std::size_t n = xb.shape()[0];
                std::fill(grad.begin(), grad.end(), 0.0);
                double grad_b = 0.0;
                for (std::size_t i = 0; i < n; ++i) {
                    const double p = probability(&xb(i, 0));
                    const double err = p - yb(i, 0);
                    loss -= yb(i, 0) > 0.5 ? std::log(std::max(p, 1e-12)) : std::log(std::max(1.0 - p, 1e-12));
                    for (std::size_t j = 0; j < d; ++j) grad[j] += err * xb(i, j);
                    grad_b += err;
                }
                for (std::size_t j = 0; j < d; ++j) w[j] -= lr * grad[j] / static_cast<double>(n);
                b -= lr * grad_b / static_cast<double>(n);
            }
            if (epoch % 5 == 4 || epoch == 0)
                std::cout << "  epoch " << std::setw(2) << epoch + 1 << "  train log-loss "
                          << loss / static_cast<double>(X.shape()[0]) << "\n";
        }
    }

    double probability(const float* x) const {
        double z = b;
        for (std::size_t j = 0; j < w.size(); ++j) z += w[j] * x[j];
        return 1.0 / (1.0 + std::exp(-z));
    }

    cr::vector<double> predict(const cr::matrix<float>& X) const {
        auto p = cr::make_vector<double>(X.shape()[0]);
        for (std::size_t i = 0; i < X.shape()[0]; ++i) p(i) = probability(&X(i, 0));
        return p;
    }
};

}  // namespace

int main(int argc, char** argv) try {
    const auto start = clock_type::now();
    std::cout << "causalrec data walkthrough  (BLAS: " << cr::blas_info() << ")\n\n";

    // 1. Data: the built-in generator (known logistic truth, categorical columns, 5% missing cells)
    //    written as CSV, or a CSV given on the command line.
    std::string path;
    std::string label = argc > 2 ? argv[2] : "label";
    std::optional<cr::data::synthetic_classification<float>> truth;
    if (argc > 1) {
        path = argv[1];
    } else {
        truth = cr::data::make_classification<float>({.rows = 20000, .missing_fraction = 0.05, .seed = 42});
        path = (std::filesystem::temp_directory_path() / "causalrec_walkthrough.csv").string();
        cr::data::write_csv(truth->data, path);
        std::cout << "1. generated 20000 rows of built-in data and wrote them to " << path << "\n";
    }
    const auto table = cr::data::read_csv<float>(path, {.label = label});
    std::size_t missing = 0;
    for (float v : table.features()) missing += std::isnan(v);
    std::cout << "   read " << table.rows() << " rows x " << table.cols() << " feature columns ("
              << table.categorical_columns().size() << " categorical), " << missing << " missing cells\n";

    // 2. A stratified split keeps the positive rate equal in both parts.
    auto [train, test] = cr::data::train_test_split(table, {.test_fraction = 0.2, .seed = 42, .stratify = true});
    std::cout << "2. split: " << train.rows() << " training rows, " << test.rows() << " test rows\n";

    // 3. Preprocessing per column type: categorical -> most frequent + one-hot; numeric -> median + scaling.
    auto prep = pp::columns(
        pp::on(pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::most_frequent}},
                            pp::one_hot_encoder{{.handle_unknown = pp::one_hot_unknown::ignore}}),
               table.categorical_columns()),
        pp::on(pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::median}}, pp::standard_scaler{}),
               table.numeric_columns()));
    const cr::matrix<float> X_train = prep.fit_transform(train.features());
    const cr::matrix<float> X_test = prep.transform(test.features());
    const auto names = prep.output_names(table.feature_names());
    std::cout << "3. preprocessing: " << table.cols() << " columns -> " << X_train.shape()[1] << " features (";
    for (std::size_t j = 0; j < names.size() && j < 6; ++j) std::cout << (j ? ", " : "") << names[j];
    std::cout << (names.size() > 6 ? ", ...)\n" : ")\n");

    // 4. A baseline model, trained with shuffled mini-batches.
    std::cout << "4. logistic regression, mini-batch gradient descent (batch 64, 20 epochs)\n";
    logistic_regression model;
    model.fit(X_train, train.labels(), 20, 0.1, 7);
    const auto p_test = model.predict(X_test);

    // 5. Evaluation on the held-out rows.
    std::cout << "5. test-set evaluation\n" << cr::metrics::classification_report(test.labels(), p_test) << "\n";
    std::cout << "   log-loss " << cr::metrics::log_loss(test.labels(), p_test) << ", average precision "
              << cr::metrics::average_precision_score(test.labels(), p_test) << "\n";
    if (truth) {
        // The generator knows P(y = 1 | x): the oracle's ROC-AUC is the ceiling for any model. The same
        // split options on the same rows select the same test rows.
        const auto split = cr::data::train_test_split_indices<float>(
            truth->data.rows(), {.test_fraction = 0.2, .seed = 42, .stratify = true}, &truth->data.labels());
        auto p_true = cr::make_vector<double>(split.test.size());
        for (std::size_t i = 0; i < split.test.size(); ++i) p_true(i) = truth->true_probability(split.test[i]);
        std::cout << "   ROC-AUC of the model " << cr::metrics::roc_auc_score(test.labels(), p_test)
                  << " vs the true probabilities (oracle) " << cr::metrics::roc_auc_score(test.labels(), p_true) << "\n";
    }

    // 6. The fitted preprocessing is plain JSON: save it, restore it, and check it transforms identically.
    const auto state_path = std::filesystem::temp_directory_path() / "causalrec_walkthrough_prep.json";
    std::ofstream(state_path) << prep.to_json().dump();
    std::ifstream in(state_path);
    const auto restored = decltype(prep)::from_json(nlohmann::json::parse(in));
    const cr::matrix<float> again = restored.transform(test.features());
    const bool identical = std::equal(again.begin(), again.end(), X_test.begin());
    std::cout << "6. preprocessing state saved to " << state_path.string() << " and restored: transforms "
              << (identical ? "identically" : "DIFFERENTLY") << "\n";
    std::cout << "\ndone in " << std::fixed << std::setprecision(2) << seconds_since(start) << " s\n";
    return identical ? 0 : 1;
} catch (const causalrec::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
