// The distributed part under MPI: run by CTest as `mpiexec -n 1`, `-n 2` and `-n 4` of this one
// program (label mpi). Every rank runs every test case in the same order, so the collectives match.
// References are one-process computations done on each rank (no MPI) with the same seeds.
#define CATCH_CONFIG_RUNNER
#include <causalrec/distributed/distributed.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/metrics/metrics.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/train.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"

namespace cr = causalrec;
namespace dist = causalrec::distributed;
namespace nn = causalrec::nn;
namespace train = causalrec::train;

namespace {

struct classification {
    cr::matrix<float> x;
    cr::vector<float> y;
};

/// n rows, d standard normal features, labels drawn from a logistic model.
classification make_data(std::size_t n, std::size_t d, unsigned seed) {
    std::mt19937 g(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    classification c{cr::make_matrix<float>(n, d), cr::vector<float>::from_shape({n})};
    std::vector<float> w(d);
    for (auto& v : w) v = normal(g);
    for (std::size_t i = 0; i < n; ++i) {
        float z = 0.0f;
        for (std::size_t j = 0; j < d; ++j) {
            c.x(i, j) = normal(g);
            z += c.x(i, j) * w[j];
        }
        c.y(i) = uniform(g) < 1.0f / (1.0f + std::exp(-z)) ? 1.0f : 0.0f;
    }
    return c;
}

/// Rows [begin, end) of a matrix / vector.
cr::matrix<float> rows(const cr::matrix<float>& x, std::size_t begin, std::size_t end) {
    cr::matrix<float> out = cr::make_matrix<float>(end - begin, x.shape()[1]);
    std::copy(x.data() + begin * x.shape()[1], x.data() + end * x.shape()[1], out.data());
    return out;
}
cr::vector<float> rows(const cr::vector<float>& y, std::size_t begin, std::size_t end) {
    cr::vector<float> out = cr::vector<float>::from_shape({end - begin});
    std::copy(y.data() + begin, y.data() + end, out.data());
    return out;
}

/// The seed architecture: Dense 128 relu, Dense 64 relu, Dense 1 sigmoid.
auto seed_model(std::size_t inputs) {
    auto m = nn::sequential(nn::dense<float>(inputs, 128), nn::relu{}, nn::dense<float>(128, 64), nn::relu{}, nn::dense<float>(64, 1),
                            nn::sigmoid{});
    m.initialize(7);
    return m;
}

template <class M>
std::vector<float> weights_of(M& model) {
    std::vector<float> w;
    for (const auto& p : model.parameters()) w.insert(w.end(), p.value.begin(), p.value.end());
    return w;
}

/// Largest |a - b| / max(1, |b|).
double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]) / std::max(1.0, std::abs(static_cast<double>(b[i]))));
    return worst;
}

/// The largest difference between this rank's values and rank 0's.
double spread_over_ranks(const dist::communicator& comm, std::vector<float> mine) {
    std::vector<float> root = mine;
    comm.broadcast(std::span<float>(root), 0);
    return comm.max(max_relative_difference(mine, root));
}

}  // namespace

TEST_CASE("communicator: sums, gathers of different lengths, broadcasts, agreement", "[distributed]") {
    const dist::communicator comm;
    const int r = comm.rank(), p = comm.size();
    std::vector<double> v = {1.0, static_cast<double>(r)};
    comm.allreduce_sum(std::span<double>(v));
    CHECK(v[0] == p);
    CHECK(v[1] == p * (p - 1) / 2);  // 0 + 1 + ... + (p - 1)
    CHECK(comm.max(r) == p - 1);
    CHECK(comm.min(r) == 0);
    // Rank r contributes r + 1 copies of r.
    std::vector<float> mine(static_cast<std::size_t>(r + 1), static_cast<float>(r));
    std::vector<std::size_t> counts;
    const auto all = comm.allgatherv(std::span<const float>(mine), &counts);
    REQUIRE(all.size() == static_cast<std::size_t>(p * (p + 1) / 2));
    std::size_t k = 0;
    for (int q = 0; q < p; ++q) {
        CHECK(counts[static_cast<std::size_t>(q)] == static_cast<std::size_t>(q + 1));
        for (int c = 0; c <= q; ++c) CHECK(all[k++] == static_cast<float>(q));
    }
    std::string text = comm.is_root() ? "from rank 0" : "";
    comm.broadcast(text);
    CHECK(text == "from rank 0");
    // A failure on the last rank becomes the same error on every rank.
    const int last = p - 1;
    try {
        comm.agree([&] { if (r == last) throw cr::argument_error("bad input in this shard"); }, "test");
        FAIL("agree did not raise");
    } catch (const dist::distributed_error& e) {
        CHECK(e.origin_rank() == last);
        CHECK(std::string(e.what()) == "test: rank " + std::to_string(last) + " failed: bad input in this shard");
    }
    CHECK_NOTHROW(comm.agree([] {}, "test"));
}

TEST_CASE("data-parallel fit: the seed MLP on N ranks equals one process (1 epoch, global batch 256)", "[distributed][fit]") {
    const dist::communicator comm;
    const auto d = make_data(2048, 12, 1);
    const train::fit_options<float> options{.epochs = 1, .batch_size = 256, .seed = 3, .verbose = 0};
    auto reference = seed_model(12);
    train::fit(reference, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>({.learning_rate = 1e-3}), d.x, d.y, options);
    auto model = seed_model(12);
    const auto history = dist::fit(comm, model, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>({.learning_rate = 1e-3}), d.x, d.y, options);
    const double diff = max_relative_difference(weights_of(model), weights_of(reference));
    INFO(comm.size() << " ranks: largest relative weight difference to one process " << diff);
    CHECK(diff < 1e-5);
    if (comm.size() == 1) CHECK(diff == 0.0);  // one rank is the plain loop
    CHECK(spread_over_ranks(comm, weights_of(model)) == 0.0);
    REQUIRE(history.loss.size() == 1);
}

TEST_CASE("data-parallel fit: validation split and metrics are global, equal to one process", "[distributed][fit]") {
    const dist::communicator comm;
    const auto d = make_data(1500, 8, 2);
    const train::fit_options<float> options{.epochs = 3,
                                            .batch_size = 100,
                                            .validation_split = 0.2,
                                            .seed = 5,
                                            .metrics = {train::metric(cr::metrics::roc_auc{}), train::metric(cr::metrics::accuracy{})},
                                            .verbose = 0};
    auto reference = seed_model(8);
    const auto expected =
        train::fit(reference, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>({.learning_rate = 3e-3}), d.x, d.y, options);
    auto model = seed_model(8);
    const auto got = dist::fit(comm, model, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>({.learning_rate = 3e-3}), d.x, d.y, options);
    REQUIRE(got.epochs() == 3);
    for (std::size_t e = 0; e < 3; ++e) {
        CHECK(got.loss[e] == Catch::Approx(expected.loss[e]).epsilon(1e-5));
        CHECK(got.val_loss[e] == Catch::Approx(expected.val_loss[e]).epsilon(1e-5));
        CHECK(got.metrics.at("roc_auc")[e] == Catch::Approx(expected.metrics.at("roc_auc")[e]).epsilon(1e-5));
        CHECK(got.metrics.at("val_roc_auc")[e] == Catch::Approx(expected.metrics.at("val_roc_auc")[e]).epsilon(1e-5));
        CHECK(got.metrics.at("accuracy")[e] == Catch::Approx(expected.metrics.at("accuracy")[e]).epsilon(1e-5));
    }
}

TEST_CASE("data-parallel fit: sharded data, global validation, same weights on every rank", "[distributed][fit]") {
    const dist::communicator comm;
    const std::size_t p = static_cast<std::size_t>(comm.size()), r = static_cast<std::size_t>(comm.rank());
    const auto all = make_data(1604, 6, 3);
    const classification d{rows(all.x, 0, 1203), rows(all.y, 0, 1203)};  // not a multiple of the rank count
    const classification v{rows(all.x, 1203, 1604), rows(all.y, 1203, 1604)};  // validation rows, also sharded
    const std::size_t n = d.x.shape()[0], nv = v.x.shape()[0];
    const auto x_mine = rows(d.x, n * r / p, n * (r + 1) / p);
    const auto y_mine = rows(d.y, n * r / p, n * (r + 1) / p);
    train::validation_data<float> val_mine{rows(v.x, nv * r / p, nv * (r + 1) / p),
                                           cr::data::as_column(rows(v.y, nv * r / p, nv * (r + 1) / p))};
    auto model = seed_model(6);
    const auto history = dist::fit({comm, dist::data_layout::sharded}, model, cr::loss::binary_cross_entropy{},
                                   cr::optim::adam<float>({.learning_rate = 3e-3}), x_mine, y_mine,
                                   {.epochs = 4, .batch_size = 64, .validation = val_mine, .seed = 9,
                                    .metrics = {train::metric(cr::metrics::roc_auc{})}, .verbose = 0});
    CHECK(spread_over_ranks(comm, weights_of(model)) == 0.0);
    // The last epoch's validation values are those of the final weights on the whole validation set.
    const auto full = train::evaluate(model, cr::loss::binary_cross_entropy{}, v.x, cr::data::as_column(v.y),
                                      {.metrics = {train::metric(cr::metrics::roc_auc{})}});
    CHECK(history.val_loss.back() == Catch::Approx(full.loss).epsilon(1e-5));
    CHECK(history.metrics.at("val_roc_auc").back() == Catch::Approx(full.metrics.at("roc_auc")).epsilon(1e-9));
    CHECK(history.loss.back() < history.loss.front());
    CHECK(history.metrics.at("val_roc_auc").back() > 0.75);
}

TEST_CASE("data-parallel fit: rank 0's early stopping and restored weights reach every rank", "[distributed][fit]") {
    const dist::communicator comm;
    const auto d = make_data(600, 5, 5);
    auto model = seed_model(5);
    train::early_stopping stop({.monitor = "val_loss", .patience = 1, .restore_best_weights = true});
    // A learning rate this high makes the validation loss bounce, so that stopping happens.
    const auto history = dist::fit(comm, model, cr::loss::binary_cross_entropy{}, cr::optim::sgd<float>({.learning_rate = 2.0}), d.x, d.y,
                                   {.epochs = 40, .batch_size = 32, .validation_split = 0.3, .seed = 1, .verbose = 0}, stop);
    CHECK(comm.max(static_cast<int>(history.epochs())) == comm.min(static_cast<int>(history.epochs())));
    CHECK(history.epochs() < 40);
    CHECK(spread_over_ranks(comm, weights_of(model)) == 0.0);
}

TEST_CASE("data-parallel fit: one rank's bad data or failure ends every rank with the same error", "[distributed][fit][errors]") {
    const dist::communicator comm;
    const int last = comm.size() - 1;
    auto d = make_data(200, 4, 6);
    if (comm.rank() == last) d.x(17, 2) = std::nanf("");
    auto model = seed_model(4);
    try {
        dist::fit({comm, dist::data_layout::sharded}, model, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>(), d.x, d.y,
                  {.epochs = 1, .verbose = 0});
        FAIL("no error");
    } catch (const dist::distributed_error& e) {
        CHECK(e.origin_rank() == last);
        const std::string what = e.what();
        INFO(what);
        CHECK(what.find("causalrec::distributed::fit: rank " + std::to_string(last) + " failed: ") == 0);
        CHECK(what.find("X") != std::string::npos);
    }
    // A failure in the middle of training (the objective throws at the 3rd step on the last rank).
    auto clean = make_data(256, 4, 7);
    cr::matrix<float> y = cr::data::as_column(clean.y);
    train::supervised_objective objective(model, cr::loss::binary_cross_entropy{}, clean.x, y);
    struct failing {
        using value_type = float;
        decltype(objective)* inner;
        int rank, last, steps = 0;
        std::size_t samples() const { return inner->samples(); }
        auto parameters() { return inner->parameters(); }
        double loss_and_gradient(std::span<const std::size_t> b) {
            if (rank == last && ++steps == 3) throw cr::numeric_error("the loss of this shard is NaN");
            return inner->loss_and_gradient(b);
        }
    } bad{&objective, comm.rank(), last};
    try {
        dist::fit(comm, bad, cr::optim::adam<float>(), {.epochs = 2, .batch_size = 32, .verbose = 0});
        FAIL("no error");
    } catch (const dist::distributed_error& e) {
        CHECK(std::string(e.what()) == "causalrec::distributed::fit: rank " + std::to_string(last) + " failed: the loss of this shard is NaN");
    }
}

TEST_CASE("data-parallel fit: sparse parameters are refused on every rank", "[distributed][fit][errors]") {
    const dist::communicator comm;
    auto model = nn::sequential(nn::embedding<float>(10, 3), nn::dense<float>(3, 1));
    model.initialize(1);
    cr::matrix<float> x = cr::make_matrix<float>(8, 1);
    for (std::size_t i = 0; i < 8; ++i) x(i, 0) = static_cast<float>(i);
    cr::matrix<float> y = cr::make_matrix<float>(8, 1);
    train::supervised_objective objective(model, cr::loss::mse{}, x, y);
    CHECK_THROWS_WITH(dist::fit(comm, objective, cr::optim::adam<float>(), {.verbose = 0}),
                      Catch::Contains("parameter 'embedding' is sparse (embedding rows)"));
}

namespace {

/// A log of `rows` (user, item, rating) rows with repeated pairs: ratings 1..5, or counts for implicit.
cr::data::interactions make_log(std::size_t users, std::size_t items, std::size_t rows, unsigned seed,
                                cr::data::duplicate_policy duplicates = cr::data::duplicate_policy::keep_last) {
    std::mt19937 g(seed);
    std::uniform_int_distribution<std::size_t> u(0, users - 1), i(0, items - 1);
    std::uniform_int_distribution<int> rating(1, 5);
    cr::data::interaction_columns c;
    for (std::size_t r = 0; r < rows; ++r) {
        c.users.push_back(u(g));
        c.items.push_back(i(g) * i(g) / items);  // popular items first
        c.values.push_back(rating(g));
    }
    c.n_users = users + 3;  // three users without interactions
    c.n_items = items;
    c.duplicates = duplicates;
    return cr::data::interactions(std::move(c));
}

/// Rows r, r + P, r + 2P, ... of a log (this rank's part).
cr::data::interactions every_pth_row(const cr::data::interactions& log, const dist::communicator& comm) {
    std::vector<std::size_t> rows;
    for (std::size_t r = static_cast<std::size_t>(comm.rank()); r < log.size(); r += static_cast<std::size_t>(comm.size())) rows.push_back(r);
    return log.subset(rows);
}

/// This rank's contiguous block of a log's rows (as a sharded read gives).
cr::data::interactions block_of_rows(const cr::data::interactions& log, const dist::communicator& comm) {
    const std::size_t n = log.size(), p = static_cast<std::size_t>(comm.size()), r = static_cast<std::size_t>(comm.rank());
    std::vector<std::size_t> rows;
    for (std::size_t j = n * r / p; j < n * (r + 1) / p; ++j) rows.push_back(j);
    return log.subset(rows);
}

std::vector<float> as_vector(std::span<const float> s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("fit_als: N ranks give the factors of one process (explicit, implicit; Cholesky, conjugate gradient)", "[distributed][als]") {
    const dist::communicator comm;
    // Repeated pairs keep the last rating: each rank holds a contiguous block of rows, as a sharded read
    // gives. Repeated pairs summed: any split (here rows r, r + P, ...) gives the same log.
    const auto log = make_log(300, 120, 5000, 11);
    const auto summed = make_log(300, 120, 5000, 13, cr::data::duplicate_policy::sum);
    for (const auto& [whole, mine] : {std::pair{log, block_of_rows(log, comm)}, std::pair{summed, every_pth_row(summed, comm)}})
    for (const auto feedback : {cr::rec::als_feedback::explicit_ratings, cr::rec::als_feedback::implicit}) {
        for (const auto solver : {cr::rec::als_solver::cholesky, cr::rec::als_solver::conjugate_gradient}) {
            const cr::rec::als_options o{.factors = 8, .epochs = 5, .l2 = 0.1, .feedback = feedback, .alpha = 2.0, .solver = solver, .seed = 4};
            cr::rec::als reference(o), model(o);
            reference.fit(whole);
            dist::fit_als(comm, model, mine);
            const double users = max_relative_difference(as_vector(model.user_factors()), as_vector(reference.user_factors()));
            const double items = max_relative_difference(as_vector(model.item_factors()), as_vector(reference.item_factors()));
            INFO(comm.size() << " ranks, duplicates " << (whole.duplicates() == cr::data::duplicate_policy::sum ? "sum" : "keep last") << ", implicit " << (feedback == cr::rec::als_feedback::implicit) << ", cg "
                             << (solver == cr::rec::als_solver::conjugate_gradient) << ": user factors " << users << ", item factors " << items);
            // Integer ratings: the global mean's sum is exact in any order, so the factors are the same bits.
            CHECK(users == 0.0);
            CHECK(items == 0.0);
            CHECK(model.global_mean() == Catch::Approx(reference.global_mean()).epsilon(1e-12));
            // The whole model on every rank: recommendations leave out each user's seen items.
            for (std::size_t user : {0ul, 150ul, 299ul, 301ul}) {
                const auto a = model.recommend(user, 5), b = reference.recommend(user, 5);
                REQUIRE(a.size() == b.size());
                for (std::size_t j = 0; j < a.size(); ++j) CHECK(a[j].item == b[j].item);
            }
            CHECK(spread_over_ranks(comm, as_vector(model.item_factors())) == 0.0);
        }
    }
}

TEST_CASE("partition_by_user: each rank gets every row of its block of users, and only those", "[distributed][als]") {
    const dist::communicator comm;
    const auto log = make_log(97, 30, 1000, 31);
    const auto part = dist::partition_by_user(comm, every_pth_row(log, comm));
    const std::size_t p = static_cast<std::size_t>(comm.size()), r = static_cast<std::size_t>(comm.rank());
    const std::size_t first = dist::block_begin(97 + 3, p, r), last = dist::block_begin(97 + 3, p, r + 1);
    std::size_t expected = 0;
    for (std::size_t j = 0; j < log.size(); ++j) expected += log.users()[j] >= first && log.users()[j] < last;
    CHECK(part.size() == expected);
    for (std::size_t j = 0; j < part.size(); ++j) {
        CHECK(part.users()[j] >= first);
        CHECK(part.users()[j] < last);
    }
    CHECK(comm.sum(static_cast<unsigned long>(part.size())) == log.size());
    CHECK(part.n_users() == log.n_users());
}

TEST_CASE("fit_als: ranks with different counts or bad values fail together", "[distributed][als][errors]") {
    const dist::communicator comm;
    const auto log = make_log(50, 20, 400, 12);
    cr::rec::als model({.factors = 4, .epochs = 2});
    if (comm.size() > 1) {
        const auto other = make_log(comm.rank() == 1 ? 51 : 50, 20, 400, 12);
        CHECK_THROWS_WITH(dist::fit_als(comm, model, every_pth_row(other, comm)), Catch::Contains("different user or item counts"));
    }
    cr::data::interaction_columns c{.users = {0, 1}, .items = {0, 1}, .values = {1.0, comm.rank() == comm.size() - 1 ? -1.0 : 1.0}};
    cr::rec::als implicit({.factors = 2, .feedback = cr::rec::als_feedback::implicit});
    CHECK_THROWS_WITH(dist::fit_als(comm, implicit, cr::data::interactions(c)),
                      Catch::Contains("rank " + std::to_string(comm.size() - 1) + " failed") && Catch::Contains("values >= 0"));
}

TEST_CASE("evaluate_recommender: users shared out over the ranks give one process's figures exactly", "[distributed][evaluate]") {
    const dist::communicator comm;
    const auto log = make_log(257, 90, 4000, 21);
    std::vector<std::size_t> train_rows, test_rows;
    for (std::size_t j = 0; j < log.size(); ++j) (j % 5 == 0 ? test_rows : train_rows).push_back(j);
    const auto train = log.subset(train_rows), test = log.subset(test_rows);
    cr::rec::als model({.factors = 6, .epochs = 3, .seed = 2});
    model.fit(train);
    const cr::rec::recommender_eval_options options{.k = 10, .min_relevance = 3.0, .per_user = true};
    const auto expected = cr::rec::evaluate_recommender(model, train, test, options);
    const auto got = dist::evaluate_recommender(comm, model, train, test, options);
    CHECK(got.users == expected.users);
    CHECK(got.ranking.users_evaluated == expected.ranking.users_evaluated);
    CHECK(got.ranking.mean.ndcg == expected.ranking.mean.ndcg);
    CHECK(got.ranking.mean.recall == expected.ranking.mean.recall);
    CHECK(got.ranking.mean.precision == expected.ranking.mean.precision);
    CHECK(got.ranking.mean.map == expected.ranking.mean.map);
    CHECK(got.ranking.mean.mrr == expected.ranking.mean.mrr);
    CHECK(got.ranking.mean.hit_rate == expected.ranking.mean.hit_rate);
    CHECK(got.ranking.mean.auc == expected.ranking.mean.auc);
    CHECK(got.coverage == expected.coverage);
    CHECK(got.novelty == expected.novelty);
    CHECK(got.gini == expected.gini);
    REQUIRE(got.ranking.top_k.shape() == expected.ranking.top_k.shape());
    CHECK(std::equal(got.ranking.top_k.begin(), got.ranking.top_k.end(), expected.ranking.top_k.begin()));
    CHECK(got.ranking.per_user.size() == expected.ranking.per_user.size());
    CHECK(expected.ranking.mean.ndcg > 0.0);
}

int main(int argc, char** argv) {
    dist::environment env(argc, argv);
    const int failed = Catch::Session().run(argc, argv);
    // Every rank reports; the job fails when any rank failed.
    return dist::communicator().max(failed) == 0 ? 0 : 1;
}
