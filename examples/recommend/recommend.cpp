// Recommenders side by side, on data with a known truth:
//   simulated users and items (true factors, popularity skew, item features) -> 80/20 split
//   -> popularity, item-kNN, ALS (implicit), BPR, NeuMF and biased MF (ratings)
//   -> a table of ranking metrics on the held-out interactions (and, on simulated data, NDCG@10
//      against each user's true preferences)
//   -> top-10 lists for three users; a brand-new user served by popularity, then folded into ALS
//      after three ratings; a brand-new item scored from its features
//   -> the ALS model saved with its id maps, reloaded, checked to recommend identically.
//
//   recommend                           built-in simulated data
//   recommend --data DIR                DIR/train.csv + DIR/test.csv, or DIR/interactions.csv (split 80/20)
//   options: --columns user,item,rating (CSV column names)  --min-relevance R (test rows with value > R
//            are relevant, default 0)  --k K (10)  --threads N (1)  --out DIR (./recommend_out)  --quick
#include <causalrec/rec/rec.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace data = causalrec::data;
namespace rec = causalrec::rec;

namespace {

struct arguments {
    std::string data_dir;
    std::vector<std::string> columns{"user", "item", "rating"};
    double min_relevance = 0.0;
    std::size_t k = 10;
    int threads = 1;
    std::string out = "recommend_out";
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
        if (arg == "--data") a.data_dir = value();
        else if (arg == "--columns") {
            a.columns.clear();
            std::stringstream list(value());
            for (std::string name; std::getline(list, name, ',');) a.columns.push_back(name);
            if (a.columns.size() != 3) throw cr::argument_error("--columns needs three names: user,item,value");
        } else if (arg == "--min-relevance") a.min_relevance = std::stod(value());
        else if (arg == "--k") a.k = std::stoul(value());
        else if (arg == "--threads") a.threads = std::stoi(value());
        else if (arg == "--out") a.out = value();
        else if (arg == "--quick") a.quick = true;
        else if (arg == "-h" || arg == "--help") {
            std::cout << "usage: recommend [--data DIR] [--columns user,item,rating] [--min-relevance R] [--k K]\n"
                         "                 [--threads N] [--out DIR] [--quick]\n";
            std::exit(0);
        } else throw cr::argument_error("unknown option " + arg);
    }
    return a;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// The item's original id, or its index when the log has no ids.
std::string item_name(const data::interactions& log, std::size_t item) {
    return log.item_ids().empty() ? "item " + std::to_string(item) : log.item_ids().id_of(item);
}

void print_list(const char* title, const std::vector<rec::scored_item>& list, const data::interactions& log,
                const std::function<bool(std::size_t)>& mark = {}) {
    std::printf("  %-26s", title);
    for (const auto& s : list) std::printf(" %s%s", item_name(log, s.item).c_str(), mark && mark(s.item) ? "*" : "");
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) try {
    const arguments args = parse(argc, argv);
    cr::set_num_threads(args.threads);
    if (const auto warning = cr::blas_kernel_warning(); !warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());

    // 1. Data: simulated with a known truth, or a user-item CSV.
    std::optional<rec::simulation> sim;
    data::interaction_split split;
    if (args.data_dir.empty()) {
        rec::simulation_options so;
        if (args.quick) {
            so.users = 400;
            so.items = 300;
            so.mean_interactions = 40;
        }
        sim = rec::simulate_interactions(so);
        split = data::random_split(sim->log, {.test_fraction = 0.2, .seed = 7});
        std::printf("Simulated %zu users x %zu items, true rank %zu, popularity skew %.1f: %zu ratings "
                    "(%zu train, %zu test)\n",
                    so.users, so.items, so.factors, so.popularity_skew, sim->log.size(), split.train.size(), split.test.size());
    } else {
        const std::filesystem::path dir(args.data_dir);
        const data::interaction_csv_options csv{.user = args.columns[0], .item = args.columns[1], .value = args.columns[2]};
        if (std::filesystem::exists(dir / "train.csv") && std::filesystem::exists(dir / "test.csv")) {
            split = data::read_train_test((dir / "train.csv").string(), (dir / "test.csv").string(),
                                          {.user = csv.user, .item = csv.item, .value = csv.value,
                                           .unknown_ids = data::unknown_id_policy::drop});
        } else {
            split = data::random_split(data::read_interactions((dir / "interactions.csv").string(), csv),
                                       {.test_fraction = 0.2, .seed = 7});
        }
        std::printf("Read %zu users x %zu items from %s: %zu train, %zu test rows (%zu test rows with unknown ids dropped)\n",
                    split.train.n_users(), split.train.n_items(), args.data_dir.c_str(), split.train.size(), split.test.size(),
                    split.dropped);
    }
    const auto& train = split.train;
    const std::size_t epochs_scale = args.quick ? 1 : 3;

    // 2. The recommenders.
    rec::popularity popular;
    rec::item_knn knn({.measure = rec::similarity::cosine, .shrinkage = 10.0, .neighbours = 100});
    // Implicit ALS: every consumed item is a positive with confidence 1 + alpha * rating. This log is
    // dense (10% of all pairs), so a small alpha and a strong regularisation work best here.
    rec::als als({.factors = 16, .epochs = 10, .l2 = 10.0, .feedback = rec::als_feedback::implicit,
                  .alpha = 1.0, .solver = rec::als_solver::conjugate_gradient});
    rec::bpr bpr({.factors = 32, .epochs = 10 * epochs_scale, .learning_rate = 0.05, .l2 = 0.01});
    rec::neumf ncf({.gmf_dim = 16, .mlp_dim = 16, .mlp_layers = {32, 16}, .epochs = 2 * epochs_scale, .batch_size = 512,
                    .learning_rate = 2e-3, .seed = 1});
    rec::matrix_factorization mf({.factors = 8, .epochs = 15 * epochs_scale, .learning_rate = 0.01, .l2 = 0.05});

    std::printf("\n%-22s %7s %7s %7s %7s %7s %7s %7s %8s %8s %6s %10s %6s\n", "model", "P@K", "R@K", "NDCG@K", "MAP@K", "MRR",
                "HR@K", "AUC", "coverage", "novelty", "gini", sim ? "true-NDCG" : "", "fit s");
    auto report = [&](const char* name, auto& model) {
        const auto t0 = std::chrono::steady_clock::now();
        model.fit(train);
        const double fit_seconds = seconds_since(t0);
        const auto e = rec::evaluate_recommender(model, train, split.test, {.k = args.k, .min_relevance = args.min_relevance});
        double truth = 0.0;
        if (sim) {  // graded NDCG against the true preferences of every evaluated user
            for (std::size_t r = 0; r < e.users.size(); ++r) {
                std::vector<std::size_t> ranked;
                for (std::size_t j = 0; j < e.ranking.k; ++j)
                    if (e.ranking.top_k(r, j) != cr::metrics::no_item) ranked.push_back(e.ranking.top_k(r, j));
                truth += sim->preference_ndcg(e.users[r], ranked, args.k, train.by_user().row_indices(e.users[r]));
            }
            truth /= static_cast<double>(e.users.size());
        }
        const auto& m = e.ranking.mean;
        std::printf("%-22s %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %8.4f %8.2f %6.3f %10s %6.2f\n", name, m.precision, m.recall,
                    m.ndcg, m.map, m.mrr, m.hit_rate, m.auc, e.coverage, e.novelty, e.gini,
                    sim ? std::to_string(truth).substr(0, 6).c_str() : "", fit_seconds);
        return e;
    };
    report("popularity", popular);
    report("item-kNN (cosine)", knn);
    report("ALS (implicit, CG)", als);
    report("BPR", bpr);
    report("NeuMF", ncf);
    report("MF (ratings, SGD)", mf);
    std::printf("(K = %zu; metrics over test users with a relevant held-out item; true-NDCG: gains exp(true preference),\n"
                " 1 = the oracle ranking by the truth)\n",
                args.k);

    // 3. Top-10 lists for three users (* = an item the user consumed in the test split).
    const auto& test_rows = split.test.by_user();
    std::printf("\nTop-%zu lists (* = held-out interaction):\n", args.k);
    for (std::size_t u : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
        if (u >= train.n_users()) break;
        const auto held = test_rows.row_indices(u);
        auto in_test = [&](std::size_t item) { return std::find(held.begin(), held.end(), item) != held.end(); };
        std::printf(" user %s (%zu training items)\n",
                    train.user_ids().empty() ? std::to_string(u).c_str() : train.user_ids().id_of(u).c_str(),
                    train.by_user().row_indices(u).size());
        print_list("ALS", als.recommend(u, args.k, true), train, in_test);
        print_list("BPR", bpr.recommend(u, args.k, true), train, in_test);
        print_list("NeuMF", ncf.recommend(u, args.k, true), train, in_test);
    }

    // 4. A brand-new user: popularity until the user has history, then ALS fold-in (no retraining).
    const std::size_t new_user = train.n_users();
    rec::fallback_chain chain(als, popular);
    std::printf("\nA brand-new user (index %zu): served by model %zu of the chain (ALS, popularity)\n", new_user,
                chain.route(new_user));
    print_list("popularity", chain.recommend(new_user, args.k), train);
    std::vector<std::size_t> liked;
    for (const auto& s : als.recommend(0, 3, true)) liked.push_back(s.item);
    const std::vector<double> counts(liked.size(), 1.0);
    print_list("ALS fold-in, 3 items", als.recommend_from_history(liked, counts, args.k), train);

    // 5. A brand-new item with features, scored by the content model for user 0.
    if (sim && sim->feature_count > 0) {
        cr::matrix<double> features = cr::make_matrix<double>(train.n_items(), sim->feature_count);
        std::copy(sim->item_features.begin(), sim->item_features.end(), features.data());
        rec::content_based content(features);
        content.fit(train);
        const auto top = content.recommend(0, 1, true);
        const std::span<const double> twin(sim->item_features.data() + top.front().item * sim->feature_count, sim->feature_count);
        std::printf("\nA new item with the features of user 0's best content match (%s): content score %.3f for user 0\n",
                    item_name(train, top.front().item).c_str(), content.score_new_item(0, twin));
    }

    // 6. The ALS model with its id maps in one file, reloaded.
    std::filesystem::create_directories(args.out);
    const auto path = std::filesystem::path(args.out) / "als.safetensors";
    rec::save_recommender(als, path);
    const auto loaded = rec::load_recommender<rec::als>(path);
    const bool same = loaded.recommend(0, args.k, true) == als.recommend(0, args.k, true);
    std::printf("\nSaved %s (%.1f KiB); reloaded model recommends identically: %s\n", path.string().c_str(),
                static_cast<double>(std::filesystem::file_size(path)) / 1024.0, same ? "yes" : "NO");
    return same ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "recommend: %s\n", e.what());
    return 1;
}
