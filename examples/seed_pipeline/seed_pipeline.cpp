// The seed pipeline, end to end, as in the original Keras program:
//   CSV -> imputation, one-hot encoding and scaling -> Dense 128 relu -> Dense 64 relu -> Dense 1 sigmoid
//   -> Adam(1e-3) + binary cross-entropy, 100 epochs, batch 32, validation split 0.2, early stopping
//   -> accuracy, precision, recall, F1, ROC-AUC on a held-out test set
//   -> model and preprocessing saved in one file, reloaded, checked to predict identically
//   -> loss curve as SVG and History as CSV.
//
//   seed_pipeline                          built-in data (written to <out>/data.csv first)
//   seed_pipeline data.csv [--label y]     your CSV (numeric and categorical columns, missing values allowed)
//   options: --epochs N (100)  --out DIR (./seed_pipeline_out)  --threads N (1)  --quiet
// The modules this program uses (the umbrella <causalrec/causalrec.hpp> works too, but also parses
// the recommender and causal modules: about 200 MB more compiler memory; docs/compile-time.md).
#include <causalrec/data/data.hpp>
#include <causalrec/io/io.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/metrics/metrics.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/preprocess/preprocess.hpp>
#include <causalrec/train/train.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace pp = causalrec::preprocess;
namespace nn = causalrec::nn;

namespace {

struct arguments {
    std::string csv;
    std::string label = "label";
    std::size_t epochs = 100;
    std::string out = "seed_pipeline_out";
    int threads = 1;
    bool quiet = false;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw cr::argument_error("missing value after " + arg);
            return argv[++i];
        };
        if (arg == "--label") a.label = value();
        else if (arg == "--epochs") a.epochs = std::stoul(value());
        else if (arg == "--out") a.out = value();
        else if (arg == "--threads") a.threads = std::stoi(value());
        else if (arg == "--quiet") a.quiet = true;
        else if (arg == "-h" || arg == "--help") {
            std::cout << "usage: seed_pipeline [data.csv] [--label NAME] [--epochs N] [--out DIR] [--threads N] [--quiet]\n";
            std::exit(0);
        } else if (!arg.empty() && arg[0] == '-') throw cr::argument_error("unknown option " + arg);
        else a.csv = arg;
    }
    return a;
}

/// The preprocessing of the seed pipeline: categorical columns get the most frequent value and a
/// one-hot encoding, numeric columns the median and standardization.
auto make_preprocessing(const cr::data::dataset<float>& table) {
    return pp::columns(pp::on(pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::most_frequent}},
                                           pp::one_hot_encoder{{.handle_unknown = pp::one_hot_unknown::ignore}}),
                              table.categorical_columns()),
                       pp::on(pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::median}}, pp::standard_scaler{}),
                              table.numeric_columns()));
}

/// The seed model: Dense 128 relu, Dense 64 relu, Dense 1 sigmoid.
auto make_model(std::size_t inputs) {
    return nn::sequential(nn::dense<float>(inputs, 128), nn::relu{}, nn::dense<float>(128, 64), nn::relu{},
                          nn::dense<float>(64, 1), nn::sigmoid{});
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) try {
    const auto start = std::chrono::steady_clock::now();
    const arguments args = parse(argc, argv);
    cr::set_num_threads(args.threads);
    std::filesystem::create_directories(args.out);
    const std::filesystem::path out(args.out);
    std::cout << "causalrec seed pipeline  (BLAS: " << cr::blas_info() << ", " << cr::num_threads() << " thread)\n\n";

    // 1. Data.
    std::string csv = args.csv;
    if (csv.empty()) {
        const auto gen = cr::data::make_classification<float>({.rows = 20000, .missing_fraction = 0.05, .seed = 42});
        csv = (out / "data.csv").string();
        cr::data::write_csv(gen.data, csv);
        std::cout << "1. built-in data: 20000 rows with a known logistic truth, written to " << csv << "\n";
    }
    const auto table = cr::data::read_csv<float>(csv, {.label = args.label});
    std::cout << "   read " << table.rows() << " rows, " << table.cols() << " feature columns ("
              << table.categorical_columns().size() << " categorical)\n";
    auto [train, test] = cr::data::train_test_split(table, {.test_fraction = 0.2, .seed = 42, .stratify = true});
    std::cout << "2. split: " << train.rows() << " training rows (20% of them for validation), " << test.rows()
              << " test rows\n";

    // 2. Preprocessing, fitted on the training rows only.
    auto prep = make_preprocessing(table);
    const cr::matrix<float> X_train = prep.fit_transform(train.features());
    const cr::matrix<float> X_test = prep.transform(test.features());
    std::cout << "3. preprocessing: imputation, one-hot, scaling -> " << X_train.shape()[1] << " features\n";

    // 3. The model and its training.
    auto model = make_model(X_train.shape()[1]);
    model.initialize(7);
    std::cout << "4. training Dense(128, relu) -> Dense(64, relu) -> Dense(1, sigmoid); Adam 1e-3, binary "
                 "cross-entropy, batch 32, up to "
              << args.epochs << " epochs, early stopping on val_loss (patience 10)\n";
    cr::train::early_stopping stop({.monitor = "val_loss", .patience = 10, .restore_best_weights = true});
    const auto train_start = std::chrono::steady_clock::now();
    const auto history = cr::train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam{{.learning_rate = 1e-3}}, X_train,
                                        train.labels(),
                                        {.epochs = args.epochs,
                                         .batch_size = 32,
                                         .validation_split = 0.2,
                                         .seed = 42,
                                         .metrics = {cr::train::metric(cr::metrics::roc_auc{}),
                                                     cr::train::metric(cr::metrics::accuracy{})},
                                         .verbose = args.quiet ? 0 : 1},
                                        stop);
    std::cout << "   trained " << history.epochs() << " epochs in " << std::fixed << std::setprecision(2)
              << seconds_since(train_start) << " s; best val_loss " << std::setprecision(4) << stop.best() << " at epoch "
              << stop.best_epoch() + 1 << (stop.stopped_epoch() ? " (stopped early, best weights restored)" : "") << "\n";

    // 4. Evaluation on the held-out test rows.
    const cr::matrix<float> p_test = cr::train::predict(model, X_test);
    std::cout << "5. test set (" << test.rows() << " rows):\n" << cr::metrics::classification_report(test.labels(), p_test);
    std::cout << std::setprecision(4) << "   accuracy " << cr::metrics::accuracy_score(test.labels(), p_test)
              << "  precision " << cr::metrics::precision_score(test.labels(), p_test) << "  recall "
              << cr::metrics::recall_score(test.labels(), p_test) << "  F1 " << cr::metrics::f1_score(test.labels(), p_test)
              << "  ROC-AUC " << cr::metrics::roc_auc_score(test.labels(), p_test) << "\n";

    // 5. One file holds the weights, the architecture and the fitted preprocessing.
    const std::string model_path = (out / "model.safetensors").string();
    cr::io::save_model(model_path, model, {.preprocessor = prep.to_json()});
    auto reloaded = make_model(X_train.shape()[1]);
    const auto extras = cr::io::load_model(model_path, reloaded);
    const auto reloaded_prep = cr::io::load_preprocessor<decltype(prep)>(extras);
    const cr::matrix<float> p_again = cr::train::predict(reloaded, reloaded_prep.transform(test.features()));
    const bool identical = std::equal(p_again.begin(), p_again.end(), p_test.begin());
    std::cout << "6. saved " << model_path << " (" << std::filesystem::file_size(model_path) << " bytes); reloaded model "
              << (identical ? "predicts identically" : "PREDICTS DIFFERENTLY") << "\n";

    // 6. The learning curve and the test set's ROC curve.
    history.to_csv((out / "history.csv").string());
    cr::train::write_history_svg((out / "loss.svg").string(), history);
    const auto roc = cr::metrics::roc_curve(test.labels(), p_test);
    std::ostringstream roc_name;
    roc_name << "DNN, test set (AUC " << std::setprecision(3) << cr::metrics::roc_auc_score(test.labels(), p_test) << ")";
    const std::vector<cr::io::line_series> roc_lines{
        {.name = roc_name.str(), .y = roc.tpr, .x = roc.fpr},
        {.name = "random scores", .y = {0.0, 1.0}, .x = {0.0, 1.0}, .dashed = true}};
    cr::io::write_svg(out / "roc.svg", cr::io::svg_line_chart(roc_lines, {.title = "ROC curve",
                                                                          .x_label = "false-positive rate",
                                                                          .y_label = "true-positive rate",
                                                                          .y_min = 0.0,
                                                                          .y_max = 1.0}));
    std::cout << "7. wrote " << (out / "history.csv").string() << ", " << (out / "loss.svg").string() << " and "
              << (out / "roc.svg").string() << "\n";
    std::cout << "\ndone in " << std::setprecision(2) << seconds_since(start) << " s\n";
    return identical ? 0 : 1;
} catch (const causalrec::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
