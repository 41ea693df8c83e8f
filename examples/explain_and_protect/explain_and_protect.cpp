// Trust on the seed pipeline (the data, preprocessing and model of examples/seed_pipeline):
//   1. the model trained without privacy, with the seed settings (Adam 1e-3, batch 32, 20% validation,
//      early stopping on val_loss);
//   2. the same model trained with DP-SGD (privacy::dp_sgd around Adam 1e-3: Poisson batches of expected
//      size 256, every row's gradient clipped to norm 1, Gaussian noise) at epsilon 1, 3 and 8 (delta 1e-5),
//      the noise multiplier chosen for each target over the epochs, epsilon read back from the History;
//   3. the accuracy each guarantee costs, on the held-out test rows;
//   4. what the non-private and the epsilon-3 model rely on, side by side: permutation importance (the
//      drop in ROC-AUC when a column is shuffled) and the mean |KernelSHAP value| over test rows, beside
//      the generating model's true coefficients; partial dependence and ICE curves as SVG.
//
//   explain_and_protect [--epochs N (30)] [--out DIR (./explain_and_protect_out)] [--quick]
//   (--quick: a smoke run on 4,000 rows with 2 epochs and light attributions, for tests)
#include <causalrec/data/data.hpp>
#include <causalrec/explain/explain.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/metrics/metrics.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/preprocess/preprocess.hpp>
#include <causalrec/privacy/privacy.hpp>
#include <causalrec/train/train.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace pp = causalrec::preprocess;
namespace nn = causalrec::nn;

namespace {

struct arguments {
    std::size_t epochs = 30;
    std::string out = "explain_and_protect_out";
    bool quick = false;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw cr::argument_error("missing value after " + arg);
            return argv[++i];
        };
        if (arg == "--epochs") a.epochs = std::stoul(value());
        else if (arg == "--out") a.out = value();
        else if (arg == "--quick") a.quick = true;
        else if (arg == "-h" || arg == "--help") {
            std::printf("usage: explain_and_protect [--epochs N] [--out DIR] [--quick]\n");
            std::exit(0);
        } else throw cr::argument_error("unknown option " + arg);
    }
    if (a.quick) a.epochs = 2;
    return a;
}

/// The seed pipeline's preprocessing: most frequent value and one-hot for categorical columns,
/// median and standardisation for numeric ones.
auto make_preprocessing(const cr::data::dataset<float>& table) {
    return pp::columns(pp::on(pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::most_frequent}},
                                           pp::one_hot_encoder{{.handle_unknown = pp::one_hot_unknown::ignore}}),
                              table.categorical_columns()),
                       pp::on(pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::median}}, pp::standard_scaler{}),
                              table.numeric_columns()));
}

/// The seed model: Dense 128 relu, Dense 64 relu, Dense 1 sigmoid.
auto make_model(std::size_t inputs) {
    auto model = nn::sequential(nn::dense<float>(inputs, 128), nn::relu{}, nn::dense<float>(128, 64), nn::relu{},
                                nn::dense<float>(64, 1), nn::sigmoid{});
    model.initialize(7);
    return model;
}
using model_type = decltype(make_model(1));

/// A trained model's test figures and attributions.
struct outcome {
    std::string name;
    double target_epsilon = 0.0, sigma = 0.0, epsilon = 0.0;
    std::size_t epochs = 0;
    double accuracy = 0.0, auc = 0.0;
    std::vector<double> permutation{}, shap{};
};

/// Accuracy, ROC-AUC, permutation importance and mean |KernelSHAP| of a trained model on the test rows.
void evaluate(model_type& model, const cr::matrix<float>& X_test, const cr::vector<float>& y_test, const cr::matrix<float>& background,
              std::size_t explained_rows, std::size_t repeats, outcome& o) {
    const cr::matrix<float> p = cr::train::predict(model, X_test);
    o.accuracy = cr::metrics::accuracy_score(y_test, p);
    o.auc = cr::metrics::roc_auc_score(y_test, p);
    const auto predictor = [&model](const cr::matrix<float>& x) { return cr::train::predict(model, x); };
    const auto importance = cr::explain::permutation_importance(predictor, X_test, std::span<const float>(y_test.data(), y_test.size()),
                                                                cr::metrics::roc_auc{}, {.repeats = repeats, .seed = 1});
    o.permutation = importance.mean;
    const std::size_t d = X_test.shape()[1];
    o.shap.assign(d, 0.0);
    for (std::size_t r = 0; r < explained_rows; ++r) {
        const auto a = cr::explain::kernel_shap(predictor, std::span<const float>(X_test.data() + r * d, d), background,
                                                {.samples = repeats > 1 ? 512u : 64u, .seed = r});
        for (std::size_t j = 0; j < d; ++j) o.shap[j] += std::abs(a.values[j]) / static_cast<double>(explained_rows);
    }
}

}  // namespace

int main(int argc, char** argv) try {
    const arguments args = parse(argc, argv);
    cr::set_num_threads(1);
    const std::filesystem::path out(args.out);
    std::filesystem::create_directories(out);

    // Data and preprocessing, as in the seed pipeline (the built-in data with a known logistic truth).
    const auto generated = cr::data::make_classification<float>({.rows = args.quick ? 4000u : 20000u, .missing_fraction = 0.05, .seed = 42});
    const auto& table = generated.data;
    auto [train, test] = cr::data::train_test_split(table, {.test_fraction = 0.2, .seed = 42, .stratify = true});
    auto prep = make_preprocessing(table);
    const cr::matrix<float> X_train = prep.fit_transform(train.features());
    const cr::matrix<float> X_test = prep.transform(test.features());
    const auto names = prep.output_names(table.feature_names());
    const std::size_t n = X_train.shape()[0], d = X_train.shape()[1];
    const std::size_t numeric_first = d - generated.coefficients.size();  // the numeric columns come last, x0 first
    std::printf("built-in data: %zu training rows, %zu test rows, %zu features after preprocessing\n\n", n, test.rows(), d);

    // Background rows for KernelSHAP and the rows explained.
    const std::size_t background_rows = args.quick ? 8 : 64, explained_rows = args.quick ? 2 : 40;
    cr::matrix<float> background = cr::make_matrix<float>(background_rows, d);
    for (std::size_t r = 0; r < background_rows; ++r) std::copy_n(X_train.data() + (r * 97 % n) * d, d, background.data() + r * d);

    std::vector<outcome> outcomes;
    // 1. No privacy: the seed settings.
    {
        auto model = make_model(d);
        cr::train::early_stopping stop({.monitor = "val_loss", .patience = 10, .restore_best_weights = true});
        const auto history = cr::train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>({.learning_rate = 1e-3}), X_train,
                                            train.labels(), {.epochs = args.quick ? std::size_t{2} : std::size_t{100}, .batch_size = 32, .validation_split = 0.2, .seed = 42, .verbose = 0},
                                            stop);
        outcome o{.name = "no privacy", .epochs = history.epochs()};
        evaluate(model, X_test, test.labels(), background, explained_rows, args.quick ? 1 : 5, o);
        outcomes.push_back(o);
        cr::io::write_svg(out / "pdp_no_privacy.svg",
                          cr::explain::partial_dependence_svg(cr::explain::partial_dependence(
                                                                  [&model](const cr::matrix<float>& x) { return cr::train::predict(model, x); },
                                                                  X_test, numeric_first, {.grid_resolution = args.quick ? 8u : 30u, .ice_rows = 50}),
                                                              names[numeric_first] + " (no privacy)"));
    }
    // 2. DP-SGD at three guarantees.
    const double delta = 1e-5;
    const std::size_t batch = 256;
    for (const double target : {1.0, 3.0, 8.0}) {
        auto model = make_model(d);
        const double sigma = cr::privacy::noise_multiplier_for_training(target, n, batch, args.epochs, delta);
        cr::privacy::dp_sgd dp(cr::optim::adam<float>({.learning_rate = 1e-3}),
                               {.noise_multiplier = sigma, .max_grad_norm = 1.0, .delta = delta, .seed = 5});
        const auto history = cr::train::fit(model, cr::loss::binary_cross_entropy{}, dp, X_train, train.labels(),
                                            {.epochs = args.epochs, .batch_size = batch, .seed = 42, .verbose = 0});
        outcome o{.name = "DP-SGD", .target_epsilon = target, .sigma = sigma, .epsilon = history.series("epsilon").back(),
                  .epochs = history.epochs()};
        evaluate(model, X_test, test.labels(), background, explained_rows, args.quick ? 1 : 5, o);
        outcomes.push_back(o);
        if (target == 3.0)
            cr::io::write_svg(out / "pdp_dp_epsilon3.svg",
                              cr::explain::partial_dependence_svg(cr::explain::partial_dependence(
                                                                      [&model](const cr::matrix<float>& x) { return cr::train::predict(model, x); },
                                                                      X_test, numeric_first, {.grid_resolution = args.quick ? 8u : 30u, .ice_rows = 50}),
                                                                  names[numeric_first] + " (DP-SGD, epsilon 3)"));
    }

    // 3. The cost of privacy.
    const double base = outcomes.front().accuracy;
    std::printf("| model | target epsilon | noise multiplier | epsilon spent (delta 1e-5) | epochs | test accuracy | ROC-AUC | accuracy cost |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    for (const auto& o : outcomes) {
        if (o.target_epsilon == 0.0)
            std::printf("| %s | - | - | - | %zu | %.4f | %.4f | - |\n", o.name.c_str(), o.epochs, o.accuracy, o.auc);
        else
            std::printf("| %s | %.0f | %.3f | %.3f | %zu | %.4f | %.4f | %+.2f points |\n", o.name.c_str(), o.target_epsilon, o.sigma, o.epsilon,
                        o.epochs, o.accuracy, o.auc, 100.0 * (base - o.accuracy));
    }

    // 4. Attributions side by side (the numeric columns' true coefficients from the generator; the last
    //    quarter of them are zero, so a model should not rely on them).
    const outcome& priv = outcomes[2];
    const outcome& plain = outcomes[0];
    std::printf("\n| feature | true coefficient | permutation (no privacy) | permutation (epsilon 3) | mean abs SHAP (no privacy) | mean abs SHAP (epsilon 3) |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (std::size_t j = 0; j < d; ++j) {
        char coefficient[32] = "(category)";
        if (j >= numeric_first) std::snprintf(coefficient, sizeof coefficient, "%+.3f", generated.coefficients[j - numeric_first]);
        std::printf("| %s | %s | %.4f | %.4f | %.4f | %.4f |\n", names[j].c_str(), coefficient, plain.permutation[j], priv.permutation[j],
                    plain.shap[j], priv.shap[j]);
    }
    std::printf("\nwrote %s and %s\n", (out / "pdp_no_privacy.svg").string().c_str(), (out / "pdp_dp_epsilon3.svg").string().c_str());
    // A full run fails when epsilon 3 costs more than 3 accuracy points (a --quick run trains too briefly to say).
    const double cost = 100.0 * (base - outcomes[2].accuracy);
    if (!args.quick && cost > 3.0) {
        std::fprintf(stderr, "epsilon 3 costs %.2f accuracy points (more than 3)\n", cost);
        return 1;
    }
    return 0;
} catch (const causalrec::error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
