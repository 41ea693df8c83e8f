// The seed model and ALS on several processes (MPI), each holding its own part of the data:
//
//   mpiexec -n 2 distributed                       built-in data (rank 0 writes it to <out> first)
//   mpiexec -n 4 distributed --rows 200000         more rows
//   options: --rows N (40000)  --epochs N (5)  --out DIR (./distributed_out)  --quick
//
// 1. Each rank reads its shard of one CSV file (read_csv with .shard): no rank holds the whole file.
// 2. The features are standardised with global means and deviations (two allreduce calls).
// 3. distributed::fit trains Dense 128 relu -> Dense 64 relu -> Dense 1 sigmoid, data-parallel:
//    each step averages the gradient over the ranks; progress and History on rank 0.
// 4. The test rows of every rank are scored and the metrics computed over all of them.
// 5. distributed::fit_als factorises a simulated rating log split over the ranks; every rank ends
//    with the whole model, and distributed::evaluate_recommender shares out the users to rank.
#include <causalrec/data/data.hpp>
#include <causalrec/distributed/distributed.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/metrics/metrics.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/rec/rec.hpp>
#include <causalrec/train/train.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace cr = causalrec;
namespace dist = causalrec::distributed;

namespace {

struct arguments {
    std::size_t rows = 40000;
    std::size_t epochs = 5;
    std::string out = "distributed_out";
    bool quick = false;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string s = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(s + " needs a value");
            return argv[++i];
        };
        if (s == "--rows") a.rows = std::stoul(value());
        else if (s == "--epochs") a.epochs = std::stoul(value());
        else if (s == "--out") a.out = value();
        else if (s == "--quick") a.quick = true;
        else throw std::invalid_argument("unknown option " + s + " (see the comment at the top of distributed.cpp)");
    }
    if (a.quick) {
        a.rows = 6000;
        a.epochs = 2;
    }
    return a;
}

/// Standardises the columns of every rank's X with the means and deviations of all ranks' rows.
void standardize_globally(const dist::communicator& comm, cr::matrix<float>& x) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    std::vector<double> sums(2 * d + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) {
            sums[j] += x(i, j);
            sums[d + j] += static_cast<double>(x(i, j)) * x(i, j);
        }
    sums[2 * d] = static_cast<double>(n);
    comm.allreduce_sum(std::span<double>(sums));
    const double rows = sums[2 * d];
    for (std::size_t j = 0; j < d; ++j) {
        const double mean = sums[j] / rows, sd = std::sqrt(std::max(sums[d + j] / rows - mean * mean, 1e-12));
        for (std::size_t i = 0; i < n; ++i) x(i, j) = static_cast<float>((x(i, j) - mean) / sd);
    }
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    dist::environment env(argc, argv);
    return env.run([&](const dist::communicator& comm) {
        const arguments args = parse(argc, argv);
        const bool root = comm.is_root();
        const auto r = static_cast<std::size_t>(comm.rank()), p = static_cast<std::size_t>(comm.size());
        if (root) std::printf("causalrec distributed example: %d processes\n\n", comm.size());

        // 1. One CSV file, one shard per rank. Rank 0 writes the built-in data first.
        const std::filesystem::path out(args.out);
        const std::string csv = (out / "data.csv").string();
        comm.agree(
            [&] {
                if (!root) return;
                std::filesystem::create_directories(out);
                const auto gen = cr::data::make_classification<float>(
                    {.rows = args.rows, .categorical_features = 0, .missing_fraction = 0.0, .seed = 42});
                cr::data::write_csv(gen.data, csv);
            },
            "writing the built-in data");
        const auto table = cr::data::read_csv<float>(csv, {.label = "label", .shard = {.shard = r, .shards = p}});
        const std::size_t total_rows = comm.sum(static_cast<unsigned long>(table.rows()));
        std::printf("1. rank %zu read %zu of %zu rows from its shard of %s\n", r, table.rows(), total_rows, csv.c_str());

        // Each rank's last 20 % are its test rows.
        const auto [train, test] = cr::data::train_test_split(table, {.test_fraction = 0.2, .shuffle = false});
        cr::matrix<float> x_train = train.features(), x_test = test.features();
        standardize_globally(comm, x_train);
        standardize_globally(comm, x_test);

        // 3. Data-parallel training: sharded samples, validation split of each rank's rows.
        auto model = cr::nn::sequential(cr::nn::dense<float>(x_train.shape()[1], 128), cr::nn::relu{}, cr::nn::dense<float>(128, 64),
                                        cr::nn::relu{}, cr::nn::dense<float>(64, 1), cr::nn::sigmoid{});
        model.initialize(7);
        if (root) std::printf("\n2. training Dense(128, relu) -> Dense(64, relu) -> Dense(1, sigmoid) on %d ranks, global batch 256\n", comm.size());
        const auto start = std::chrono::steady_clock::now();
        const auto history = dist::fit({comm, dist::data_layout::sharded}, model, cr::loss::binary_cross_entropy{},
                                       cr::optim::adam<float>({.learning_rate = 1e-3}), x_train, train.labels(),
                                       {.epochs = args.epochs,
                                        .batch_size = 256,
                                        .validation_split = 0.1,
                                        .seed = 42,
                                        .metrics = {cr::train::metric(cr::metrics::roc_auc{})},
                                        .verbose = 2});
        if (root)
            std::printf("   %zu epochs in %.2f s; last epoch: loss %.4f, val_loss %.4f, val_roc_auc %.4f (over every rank's validation rows)\n",
                        history.epochs(), seconds_since(start), history.loss.back(), history.val_loss.back(),
                        history.metrics.at("val_roc_auc").back());

        // 4. Test metrics over every rank's test rows.
        const auto scores = cr::train::predict(model, x_test);
        const auto y_all = comm.allgatherv(std::span<const float>(test.labels().data(), test.labels().size()));
        const auto p_all = comm.allgatherv(std::span<const float>(scores.data(), scores.size()));
        if (root) {
            std::printf("\n3. test rows of all ranks (%zu): accuracy %.4f, ROC AUC %.4f\n", y_all.size(),
                        cr::metrics::accuracy_score(y_all, p_all), cr::metrics::roc_auc_score(y_all, p_all));
        }

        // 5. Distributed ALS: every rank simulates the same log and keeps its block of rows (a sharded
        // read gives the same); the test rows are every fifth rating.
        const auto sim = cr::rec::simulate_interactions({.users = std::size_t{args.quick ? 600u : 3000u}, .items = std::size_t{args.quick ? 400u : 1500u}, .seed = 3});
        std::vector<std::size_t> train_rows, test_rows, mine;
        for (std::size_t j = 0; j < sim.log.size(); ++j) (j % 5 == 0 ? test_rows : train_rows).push_back(j);
        const auto log_train = sim.log.subset(train_rows), log_test = sim.log.subset(test_rows);
        for (std::size_t j = log_train.size() * r / p; j < log_train.size() * (r + 1) / p; ++j) mine.push_back(j);
        cr::rec::als als({.factors = 32, .epochs = 10, .l2 = 0.05});
        const auto als_start = std::chrono::steady_clock::now();
        dist::fit_als(comm, als, log_train.subset(mine));
        const double als_seconds = seconds_since(als_start);
        const auto evaluation = dist::evaluate_recommender(comm, als, log_train, log_test, {.k = 10, .min_relevance = 3.5});
        if (root) {
            std::printf("\n4. ALS (32 factors, 10 alternations) on %zu ratings over %d ranks: %.2f s\n", log_train.size(), comm.size(),
                        als_seconds);
            std::printf("   test: NDCG@10 %.4f, Recall@10 %.4f over %zu users (each rank ranked its block of users)\n",
                        evaluation.ranking.mean.ndcg, evaluation.ranking.mean.recall, evaluation.users.size());
            const auto top = als.recommend(0, 5);
            std::printf("   top 5 for user 0:");
            for (const auto& item : top) std::printf(" %zu", item.item);
            std::printf("\n");
        }
    });
}
