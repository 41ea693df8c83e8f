// Causal recommendation, end to end, on a simulated world whose truth is known:
//   a logging policy that shows relevant and popular items far more often (feedback missing not at
//   random, with known propensities) plus a small uniformly randomised slice
//   -> a naive and debiased (IPS, SNIPS, doubly robust) matrix factorisations of clicks, each tuned on a
//      held-out part of the biased log (the debiased ones with a SNIPS estimate of the error)
//   -> both evaluated on the randomised slice and against the true relevance
//   -> their error estimated from the biased log alone, naively and with IPS / SNIPS / DR, next to the truth
//   -> a randomised recommendation campaign: uplift of recommending an item, estimated by T- and
//      X-learners (logistic, on user, item and user x item features) and DragonNet, judged by the Qini
//      coefficient against the true-effect oracle (SVG chart)
//   -> whom to target: the pairs with the largest estimated uplift versus the most relevant ones.
//
//   causal_recommendation                 the simulator
//   causal_recommendation --coat DIR      Schnabel et al.'s Coat study: MF-Naive vs MF-IPS (authors'
//                                         propensities) trained on train.ascii, MSE/MAE on the random test.ascii
//   options: --out DIR (./causal_recommendation_out)  --quick  --threads N (1)
#include <causalrec/causal/causal.hpp>
#include <causalrec/causal/neural.hpp>
#include <causalrec/data/dense.hpp>
#include <causalrec/metrics/metrics.hpp>
#include <causalrec/metrics/uplift.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace causal = causalrec::causal;
namespace data = causalrec::data;

namespace {

struct arguments {
    std::string coat_dir;
    std::string out = "causal_recommendation_out";
    bool quick = false;
    int threads = 1;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw cr::argument_error("missing value after " + arg);
            return argv[++i];
        };
        if (arg == "--coat") a.coat_dir = value();
        else if (arg == "--out") a.out = value();
        else if (arg == "--quick") a.quick = true;
        else if (arg == "--threads") a.threads = std::stoi(value());
        else if (arg == "-h" || arg == "--help") {
            std::cout << "usage: causal_recommendation [--coat DIR] [--out DIR] [--quick] [--threads N]\n";
            std::exit(0);
        } else throw cr::argument_error("unknown option " + arg);
    }
    return a;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// The expected squared error of click probabilities f against the true click rates, over all pairs.
double true_mse(const cr::matrix<double>& f, const cr::matrix<double>& relevance) {
    double s = 0.0;
    for (std::size_t j = 0; j < f.size(); ++j) {
        const double rho = relevance.data()[j], p = f.data()[j];
        s += rho * (1.0 - p) * (1.0 - p) + (1.0 - rho) * p * p;
    }
    return s / static_cast<double>(f.size());
}

/// Squared error and AUC of predictions on the randomised slice.
std::pair<double, double> on_slice(const cr::matrix<double>& f, const data::interactions& slice) {
    std::vector<double> y(slice.size()), p(slice.size());
    double se = 0.0;
    for (std::size_t r = 0; r < slice.size(); ++r) {
        y[r] = slice.values()[r];
        p[r] = f(slice.users()[r], slice.items()[r]);
        se += (p[r] - y[r]) * (p[r] - y[r]);
    }
    return {se / static_cast<double>(slice.size()), cr::metrics::roc_auc_score(y, p)};
}

/// MSE and MAE of a model on a log; with `weighted`, self-normalised inverse-propensity weights
/// (how a debiased model is validated on biased ratings).
std::pair<double, double> rating_errors(const causal::debiased_mf& model, const data::interactions& log, bool weighted) {
    double se = 0.0, ae = 0.0, w_sum = 0.0;
    for (std::size_t r = 0; r < log.size(); ++r) {
        const double w = weighted ? 1.0 / log.propensities()[r] : 1.0;
        const double e = model.predict(log.users()[r], log.items()[r]) - log.values()[r];
        se += w * e * e;
        ae += w * std::abs(e);
        w_sum += w;
    }
    return {se / w_sum, ae / w_sum};
}

/// Rank and L2 by 4-fold cross-validation on the training ratings (Schnabel et al.'s protocol).
causal::debiased_mf_options cross_validated(const data::interactions& train, causal::debias_method method) {
    causal::debiased_mf_options best{};
    double best_mse = 1e300;
    cr::rng engine(2016);
    const auto perm = engine.permutation(train.size());
    for (std::size_t k : {5, 10, 20})
        for (double l2 : {2e-4, 5e-4, 1e-3, 2e-3}) {
            const causal::debiased_mf_options o{.method = method, .factors = k, .l2 = l2, .epochs = 500, .min_prediction = 1.0,
                                                .max_prediction = 5.0};
            double total = 0.0;
            for (std::size_t fold = 0; fold < 4; ++fold) {
                std::vector<std::size_t> fit_rows, val_rows;
                for (std::size_t j = 0; j < perm.size(); ++j) (j % 4 == fold ? val_rows : fit_rows).push_back(perm[j]);
                std::sort(fit_rows.begin(), fit_rows.end());
                std::sort(val_rows.begin(), val_rows.end());
                causal::debiased_mf model(o);
                model.fit(train.subset(fit_rows));
                total += rating_errors(model, train.subset(val_rows), method != causal::debias_method::naive).first;
            }
            if (total < best_mse) best_mse = total, best = o;
        }
    return best;
}

int run_coat(const arguments& args) {
    const std::filesystem::path dir(args.coat_dir);
    const auto propensities = causalrec::data::read_ascii_matrix((dir / "propensities.ascii").string());
    const auto train = causalrec::data::interactions_from_dense(causalrec::data::read_ascii_matrix((dir / "train.ascii").string()),
                                                       {.propensities = &propensities});
    const auto test = causalrec::data::interactions_from_dense(causalrec::data::read_ascii_matrix((dir / "test.ascii").string()));
    std::printf("Coat (Schnabel et al. 2016): %zu users x %zu items, %zu self-selected training ratings, %zu random test ratings.\n"
                "Rank and L2 by 4-fold cross-validation on the training ratings (SNIPS-weighted for IPS); this takes a minute.\n",
                train.n_users(), train.n_items(), train.size(), test.size());
    std::printf("\n%-10s %6s %8s %8s %8s   %s\n", "model", "rank", "L2", "MSE", "MAE", "published (Table 2, MSE / MAE)");
    double mse_naive = 0.0, mse_ips = 0.0;
    for (auto method : {causal::debias_method::naive, causal::debias_method::snips}) {
        const auto options = cross_validated(train, method);
        causal::debiased_mf model(options);
        model.fit(train);
        const auto [mse, mae] = rating_errors(model, test, false);
        (method == causal::debias_method::naive ? mse_naive : mse_ips) = mse;
        std::printf("%-10s %6zu %8.0e %8.3f %8.3f   %s\n", method == causal::debias_method::naive ? "MF-Naive" : "MF-IPS",
                    options.factors, options.l2, mse, mae,
                    method == causal::debias_method::naive ? "1.202 / 0.920" : "1.093 / 0.860");
    }
    std::printf("(MF-IPS: the self-normalised IPS objective with the authors' propensities; predictions clipped to [1, 5])\n");
    return mse_ips < mse_naive ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) try {
    const arguments args = parse(argc, argv);
    cr::set_num_threads(args.threads);
    if (const auto warning = cr::blas_kernel_warning(); !warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    if (!args.coat_dir.empty()) return run_coat(args);
    std::filesystem::create_directories(args.out);

    // 1. The simulated world and what was logged from it.
    causal::causal_simulation_options so;
    if (args.quick) {
        so.users = 300;
        so.items = 100;
        so.mean_exposures = 12;
    }
    const auto sim = causal::simulate_causal(so);
    double logged_clicks = 0.0;
    for (double v : sim.log.values()) logged_clicks += v;
    std::printf("Simulated %zu users x %zu items. The logging policy showed %zu pairs (%.1f per user); click rate in the log "
                "%.3f, true mean relevance %.3f. Randomised slice: %zu pairs.\n",
                sim.n_users, sim.n_items, sim.log.size(), static_cast<double>(sim.log.size()) / static_cast<double>(sim.n_users),
                logged_clicks / static_cast<double>(sim.log.size()), sim.mean_relevance(), sim.random_log.size());

    // 2. Naive and debiased click models trained on the biased log (true propensities). Each picks
    //    its L2 on a held-out fifth of the log: the naive model by the plain validation error (what
    //    one does without propensities), the debiased ones by the SNIPS estimate of it.
    const std::size_t iterations = args.quick ? 100 : 300;
    const auto holdout = data::random_split(sim.log, {.test_fraction = 0.2, .seed = 5});
    struct trained {
        const char* name;
        double l2;
        cr::matrix<double> f;
        double seconds;
    };
    std::vector<trained> models;
    for (auto method : {causal::debias_method::naive, causal::debias_method::ips, causal::debias_method::snips,
                        causal::debias_method::dr}) {
        const auto t0 = std::chrono::steady_clock::now();
        auto options_for = [&](double l2) {
            return causal::debiased_mf_options{.method = method, .loss = causal::rating_loss::logistic, .factors = 4, .l2 = l2,
                                               .epochs = iterations, .propensity_clip = 0.02, .seed = 7};
        };
        double best_l2 = 0.0, best = 1e300;
        for (double l2 : {3e-5, 1e-4, 3e-4}) {
            causal::debiased_mf candidate(options_for(l2));
            candidate.fit(holdout.train);
            const auto estimator = method == causal::debias_method::naive ? causal::ope_estimator::naive : causal::ope_estimator::snips;
            const double error = causal::estimate_rating_error(candidate.predict_all(), holdout.test, {.estimator = estimator}).value;
            if (error < best) best = error, best_l2 = l2;
        }
        causal::debiased_mf model(options_for(best_l2));
        model.fit(sim.log);
        models.push_back({std::string_view(causal::to_string(method)) == "naive"   ? "naive"
                          : std::string_view(causal::to_string(method)) == "ips"   ? "IPS"
                          : std::string_view(causal::to_string(method)) == "snips" ? "SNIPS"
                                                                                  : "DR",
                          best_l2, model.predict_all(), seconds_since(t0)});
    }
    std::printf("\nClick models on the biased log, judged on the randomised slice and against the truth:\n");
    std::printf("%-8s %8s %12s %12s %20s %12s\n", "model", "L2", "slice MSE", "slice AUC", "true MSE (all pairs)", "select+fit s");
    for (const auto& m : models) {
        const auto [mse, auc] = on_slice(m.f, sim.random_log);
        std::printf("%-8s %8.0e %12.4f %12.4f %20.4f %12.2f\n", m.name, m.l2, mse, auc, true_mse(m.f, sim.relevance), m.seconds);
    }

    // 3. Debiased evaluation from a biased log alone: each model's MSE over all pairs, estimated from
    //    a fresh log of the same policy (the training log would flatter the models it trained).
    const auto eval_log = causal::draw_logged_feedback(sim, 2024);
    std::printf("\nEstimated MSE over all pairs from a new biased log (95%% interval), next to the truth:\n");
    std::printf("%-8s %10s %22s %22s %22s\n", "model", "truth", "naive", "IPS", "SNIPS");
    for (const auto& m : models) {
        std::printf("%-8s %10.4f", m.name, true_mse(m.f, sim.relevance));
        for (auto est : {causal::ope_estimator::naive, causal::ope_estimator::ips, causal::ope_estimator::snips}) {
            const auto e = causal::estimate_rating_error(m.f, eval_log, {.estimator = est});
            std::printf("  %.4f [%.4f, %.4f]", e.value, e.ci_low, e.ci_high);
        }
        std::printf("\n");
    }

    // 4. Uplift of recommending: a randomised campaign, half of the rows to learn, half to judge.
    const auto& c = sim.campaign;
    const std::size_t n = c.outcome.size(), half = n / 2;
    std::vector<std::size_t> learn(half), judge(n - half);
    std::iota(learn.begin(), learn.end(), std::size_t{0});
    std::iota(judge.begin(), judge.end(), half);
    // Covariates of a (user, item) row: user features, item features and their pairwise products
    // (preferences are user-item interactions, which a linear model cannot form by itself).
    const std::size_t du = sim.user_features.shape()[1], di = sim.item_features.shape()[1], dims = du + di + du * di;
    auto rows_of = [&](const std::vector<std::size_t>& idx) {
        auto x = cr::make_matrix<double>(idx.size(), dims);
        auto t = cr::make_vector<double>(idx.size());
        auto y = cr::make_vector<double>(idx.size());
        for (std::size_t j = 0; j < idx.size(); ++j) {
            const double* row = c.x.data() + idx[j] * (du + di);
            double* out = x.data() + j * dims;
            std::copy_n(row, du + di, out);
            for (std::size_t a = 0; a < du; ++a)
                for (std::size_t b = 0; b < di; ++b) out[du + di + a * di + b] = row[a] * row[du + b];
            t(j) = c.treatment(idx[j]);
            y(j) = c.outcome(idx[j]);
        }
        return std::tuple{x, t, y};
    };
    const auto [x_learn, t_learn, y_learn] = rows_of(learn);
    const auto [x_judge, t_judge, y_judge] = rows_of(judge);
    std::vector<double> truth(judge.size());
    for (std::size_t j = 0; j < judge.size(); ++j) truth[j] = c.mu1(judge[j]) - c.mu0(judge[j]);
    auto to_std = [](const cr::vector<double>& v) { return std::vector<double>(v.begin(), v.end()); };

    std::vector<cr::metrics::named_scores> curves;
    causal::t_learner<causal::logistic_regression> t_model;
    t_model.fit(x_learn, t_learn, y_learn);
    curves.push_back({"T-learner (logistic)", to_std(t_model.effect(x_judge))});
    causal::x_learner<causal::logistic_regression> x_model;
    x_model.fit(x_learn, t_learn, y_learn);
    curves.push_back({"X-learner (logistic, OLS)", to_std(x_model.effect(x_judge))});
    causal::dragonnet<double> dragon({.representation_layers = {64, 64}, .head_layers = {32}, .epochs = args.quick ? 30u : 150u,
                                      .batch_size = 128, .learning_rate = 1e-3, .l2 = 1e-4, .patience = 15,
                                      .seed = 3});
    dragon.fit(x_learn, t_learn, y_learn);
    curves.push_back({"DragonNet", to_std(dragon.effect(x_judge))});
    curves.push_back({"oracle (true effect)", truth});
    std::vector<double> relevance_scores(judge.size());
    for (std::size_t j = 0; j < judge.size(); ++j) relevance_scores[j] = sim.relevance(c.users[judge[j]], c.items[judge[j]]);
    curves.push_back({"true relevance", relevance_scores});

    std::printf("\nUplift of recommending (campaign: %zu rows to learn, %zu to judge; true mean effect %.4f):\n", half, n - half,
                std::accumulate(truth.begin(), truth.end(), 0.0) / static_cast<double>(truth.size()));
    std::printf("%-28s %10s %12s %12s %14s\n", "scores", "Qini", "AUUC", "uplift@20%", "corr. w/ truth");
    const auto ty = to_std(t_judge), yy = to_std(y_judge);
    for (const auto& s : curves) {
        double mt = 0, ms = 0, st = 0, ss = 0, cst = 0;
        for (std::size_t j = 0; j < truth.size(); ++j) {
            mt += truth[j];
            ms += s.scores[j];
        }
        mt /= static_cast<double>(truth.size());
        ms /= static_cast<double>(truth.size());
        for (std::size_t j = 0; j < truth.size(); ++j) {
            st += (truth[j] - mt) * (truth[j] - mt);
            ss += (s.scores[j] - ms) * (s.scores[j] - ms);
            cst += (truth[j] - mt) * (s.scores[j] - ms);
        }
        std::printf("%-28s %10.4f %12.4f %12.4f %14.3f\n", s.name.c_str(), cr::metrics::qini_score(s.scores, ty, yy),
                    cr::metrics::auuc_score(s.scores, ty, yy), cr::metrics::uplift_at_k(s.scores, ty, yy, 0.2),
                    ss > 0 ? cst / std::sqrt(st * ss) : 0.0);
    }
    const auto chart = std::filesystem::path(args.out) / "qini.svg";
    std::ofstream(chart) << cr::metrics::uplift_chart_svg(curves, ty, yy, {.title = "Qini curves: uplift of recommending"});
    std::printf("Qini curves written to %s\n", chart.string().c_str());

    // 5. Whom to target: the pairs with the largest estimated uplift (T-learner) against the most relevant pairs.
    const auto& uplift = curves[0].scores;
    std::vector<std::size_t> by_uplift(judge.size()), by_relevance(judge.size());
    std::iota(by_uplift.begin(), by_uplift.end(), std::size_t{0});
    std::iota(by_relevance.begin(), by_relevance.end(), std::size_t{0});
    std::sort(by_uplift.begin(), by_uplift.end(), [&](std::size_t a, std::size_t b) { return uplift[a] > uplift[b]; });
    std::sort(by_relevance.begin(), by_relevance.end(),
              [&](std::size_t a, std::size_t b) { return relevance_scores[a] > relevance_scores[b]; });
    const std::size_t top = std::max<std::size_t>(1, judge.size() / 10);
    auto mean_over = [&](const std::vector<std::size_t>& order, const std::vector<double>& v) {
        double s = 0.0;
        for (std::size_t j = 0; j < top; ++j) s += v[order[j]];
        return s / static_cast<double>(top);
    };
    std::vector<double> organic(judge.size());
    for (std::size_t j = 0; j < judge.size(); ++j) organic[j] = c.mu0(judge[j]);
    std::printf("\nTargeting the top 10%% (%zu pairs):            true uplift   relevance   would buy anyway\n", top);
    std::printf("  by estimated uplift (T-learner)          %10.4f %11.3f %18.3f\n", mean_over(by_uplift, truth),
                mean_over(by_uplift, relevance_scores), mean_over(by_uplift, organic));
    std::printf("  by relevance (what a click model does)   %10.4f %11.3f %18.3f\n", mean_over(by_relevance, truth),
                mean_over(by_relevance, relevance_scores), mean_over(by_relevance, organic));
    std::printf("\nFive pairs to target first (user, item: estimated / true uplift):");
    for (std::size_t j = 0; j < 5 && j < by_uplift.size(); ++j) {
        const std::size_t r = judge[by_uplift[j]];
        std::printf("  (%zu, %zu: %.3f / %.3f)", c.users[r], c.items[r], uplift[by_uplift[j]], truth[by_uplift[j]]);
    }
    std::printf("\n");
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "causal_recommendation: %s\n", e.what());
    return 1;
}
