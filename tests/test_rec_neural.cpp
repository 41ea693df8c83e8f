#include <causalrec/loss/loss.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/rec/rec.hpp>
#include <causalrec/train/train.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <vector>

#include "catch.hpp"
#include "temp_files.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_rec_neural {

namespace cr = causalrec;
namespace data = causalrec::data;
namespace rec = causalrec::rec;

namespace {

using causalrec_test::temp_path;

/// A log of users who each prefer one of two item clusters (user u: cluster u % 2; items of
/// cluster c: c * n_items / 2 ... ), `per_user` training items and `held_out` test items each,
/// drawn without repetition from the user's cluster.
struct planted {
    data::interactions train;
    std::vector<std::vector<std::size_t>> test;  // held-out items per user
};

planted planted_log(std::size_t n_users, std::size_t n_items, std::size_t per_user, std::size_t held_out, std::uint64_t seed) {
    cr::rng g(seed);
    data::interaction_columns c{.n_users = n_users, .n_items = n_items};
    planted p;
    p.test.resize(n_users);
    const std::size_t half = n_items / 2;
    for (std::size_t u = 0; u < n_users; ++u) {
        auto order = g.permutation(half);
        for (std::size_t k = 0; k < per_user + held_out; ++k) {
            const std::size_t item = (u % 2) * half + order[k];
            if (k < per_user) {
                c.users.push_back(u);
                c.items.push_back(item);
            } else {
                p.test[u].push_back(item);
            }
        }
    }
    p.train = data::interactions(std::move(c));
    return p;
}

/// Mean over users of the AUC of held-out items against items the user never interacted with.
template <class Model>
double held_out_auc(const Model& model, const planted& p) {
    double total = 0.0;
    std::size_t users = 0;
    for (std::size_t u = 0; u < p.test.size(); ++u) {
        if (p.test[u].empty()) continue;
        std::set<std::size_t> known(p.test[u].begin(), p.test[u].end());
        for (std::size_t i : model.log().seen.of(u)) known.insert(i);
        std::vector<std::size_t> negatives;
        for (std::size_t i = 0; i < model.n_items(); ++i)
            if (!known.count(i)) negatives.push_back(i);
        const auto pos = model.score(u, p.test[u]);
        const auto neg = model.score(u, negatives);
        double wins = 0.0;
        for (double a : pos)
            for (double b : neg) wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
        total += wins / static_cast<double>(pos.size() * neg.size());
        ++users;
    }
    return total / static_cast<double>(users);
}

std::vector<std::size_t> all_items(std::size_t n) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t{0});
    return v;
}

double relu(double x) { return x > 0.0 ? x : 0.0; }

/// x W + b for one row, in double, from a file's tensors.
std::vector<double> affine(const std::vector<double>& x, const cr::matrix<float>& w, const cr::vector<float>& b, bool apply_relu) {
    REQUIRE(x.size() == w.shape()[0]);
    std::vector<double> y(w.shape()[1]);
    for (std::size_t o = 0; o < y.size(); ++o) {
        double s = b(o);
        for (std::size_t k = 0; k < x.size(); ++k) s += x[k] * static_cast<double>(w(k, o));
        y[o] = apply_relu ? relu(s) : s;
    }
    return y;
}

/// A small log where every user has history and no user saw every item.
data::interactions tiny_log() {
    return data::interactions({0, 0, 1, 2, 2, 3, 4, 5, 5}, {0, 3, 1, 2, 4, 0, 4, 1, 2}, {});
}

}  // namespace

TEST_CASE("neumf: scores equal a brute-force forward pass over the saved tensors", "[rec][neural]") {
    const auto log = tiny_log();
    rec::neumf model({.gmf_dim = 3, .mlp_dim = 2, .mlp_layers = {4, 3}, .epochs = 3, .batch_size = 8, .learning_rate = 0.01,
                      .seed = 7});
    model.fit(log);
    const auto f = model.to_file();
    const auto gu = f.get_matrix<float>("gmf.user"), gi = f.get_matrix<float>("gmf.item");
    const auto mu = f.get_matrix<float>("mlp.user"), mi = f.get_matrix<float>("mlp.item");
    const auto w0 = f.get_matrix<float>("mlp.dense0.weight"), w1 = f.get_matrix<float>("mlp.dense1.weight");
    const auto b0 = f.get_vector<float>("mlp.dense0.bias"), b1 = f.get_vector<float>("mlp.dense1.bias");
    const auto wo = f.get_matrix<float>("output.weight");
    const auto bo = f.get_vector<float>("output.bias");
    REQUIRE(wo.shape()[0] == 3 + 3);
    const auto items = all_items(log.n_items());
    for (std::size_t u = 0; u < log.n_users(); ++u) {
        const auto scores = model.score(u, items);
        for (std::size_t i = 0; i < log.n_items(); ++i) {
            double logit = bo(0);
            for (std::size_t k = 0; k < 3; ++k) logit += static_cast<double>(gu(u, k)) * gi(i, k) * wo(k, 0);
            std::vector<double> a{mu(u, 0), mu(u, 1), mi(i, 0), mi(i, 1)};
            a = affine(affine(a, w0, b0, true), w1, b1, true);
            for (std::size_t k = 0; k < 3; ++k) logit += a[k] * wo(3 + k, 0);
            CHECK(scores[i] == Catch::Approx(logit).margin(1e-5));
        }
        // recommend ranks exactly these scores.
        const auto top = model.recommend(u, log.n_items(), false);
        REQUIRE(top.size() == log.n_items());
        for (const auto& s : top) CHECK(s.score == scores[s.item]);
        CHECK(std::is_sorted(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.score > b.score; }));
        const auto unseen = model.recommend(u, log.n_items(), true);
        CHECK(unseen.size() == log.n_items() - model.log().seen.of(u).size());
    }
}

TEST_CASE("neumf: one branch alone (GMF or MLP) trains and scores", "[rec][neural]") {
    const auto log = tiny_log();
    rec::neumf gmf({.gmf_dim = 4, .mlp_dim = 0, .epochs = 2});
    gmf.fit(log);
    rec::neumf mlp({.gmf_dim = 0, .mlp_dim = 4, .mlp_layers = {8}, .epochs = 2});
    mlp.fit(log);
    const auto f = gmf.to_file();
    CHECK_FALSE(f.contains("mlp.user"));
    const auto gu = f.get_matrix<float>("gmf.user"), gi = f.get_matrix<float>("gmf.item");
    const auto wo = f.get_matrix<float>("output.weight");
    double logit = f.get_vector<float>("output.bias")(0);
    for (std::size_t k = 0; k < 4; ++k) logit += static_cast<double>(gu(1, k)) * gi(2, k) * wo(k, 0);
    CHECK(gmf.score(1, std::vector<std::size_t>{2})[0] == Catch::Approx(logit).margin(1e-6));
    CHECK(rec::neumf::from_file(mlp.to_file()).score(2, all_items(5)) == mlp.score(2, all_items(5)));
}

TEST_CASE("two_tower: scores equal the dot product of towers computed by hand", "[rec][neural]") {
    // User 4 is in the log's range without history; user 6 has a feature row only; item 5 too.
    const data::interactions log(data::interaction_columns{
        .users = {0, 0, 1, 2, 3, 5}, .items = {0, 1, 2, 3, 0, 4}, .n_users = 6, .n_items = 5});
    cr::rng g(3);
    rec::two_tower_features features{cr::make_matrix<float>(7, 2), cr::make_matrix<float>(6, 3)};
    for (auto& v : features.user) v = static_cast<float>(g.normal());
    for (auto& v : features.item) v = static_cast<float>(g.normal());
    rec::two_tower model({.embedding_dim = 3, .tower_layers = {4, 2}, .epochs = 3, .batch_size = 4, .learning_rate = 0.01,
                          .seed = 11},
                         features);
    model.fit(log);
    REQUIRE(model.n_users() == 7);
    REQUIRE(model.n_items() == 6);
    const auto f = model.to_file();
    auto tower = [&](const std::string& side, std::size_t row, const std::vector<double>& feats) {
        const auto e = f.get_matrix<float>(side + ".embedding");
        std::vector<double> x;
        for (std::size_t k = 0; k < e.shape()[1]; ++k) x.push_back(e(row, k));
        x.insert(x.end(), feats.begin(), feats.end());
        x = affine(x, f.get_matrix<float>(side + ".dense0.weight"), f.get_vector<float>(side + ".dense0.bias"), true);
        return affine(x, f.get_matrix<float>(side + ".dense1.weight"), f.get_vector<float>(side + ".dense1.bias"), false);
    };
    auto row = [](const cr::matrix<float>& m, std::size_t r) {
        std::vector<double> v;
        for (std::size_t k = 0; k < m.shape()[1]; ++k) v.push_back(m(r, k));
        return v;
    };
    auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
        double s = 0;
        for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
        return s;
    };
    const std::size_t unknown_user = 6, unknown_item = 5;  // the unknown-id rows: n_users, n_items of the log
    const auto items = all_items(6);
    for (std::size_t u = 0; u < 7; ++u) {
        CHECK(model.covers(u));
        const std::size_t id = model.log().has_history(u) ? u : unknown_user;
        const auto uv = tower("user", id, row(features.user, u));
        const auto scores = model.score(u, items);
        for (std::size_t i = 0; i < 6; ++i) {
            const auto iv = tower("item", i < 5 ? i : unknown_item, row(features.item, i));
            CHECK(scores[i] == Catch::Approx(dot(uv, iv)).margin(1e-5));
        }
    }
    // New entities use the unknown-id rows and their features.
    const std::vector<float> new_user{0.5f, -1.0f}, new_item{1.0f, 0.25f, -0.5f};
    const auto nu = tower("user", unknown_user, {0.5, -1.0});
    const auto ni = tower("item", unknown_item, {1.0, 0.25, -0.5});
    const auto s = model.score_new_user(new_user, items);
    for (std::size_t i = 0; i < 6; ++i)
        CHECK(s[i] == Catch::Approx(dot(nu, tower("item", i < 5 ? i : unknown_item, row(features.item, i)))).margin(1e-5));
    CHECK(model.score_new_item(0, new_item) == Catch::Approx(dot(tower("user", 0, row(features.user, 0)), ni)).margin(1e-5));
    CHECK(model.recommend_new_user(new_user, 6).size() == 6);
}

namespace {

/// Largest relative error between the analytic gradients of a network and central differences of
/// L = sum(c * logits) + l2/2 (|dense weights|^2 + |embedding rows the batch touched|^2), in double.
template <class Net>
double network_gradient_error(Net& net, const cr::matrix<double>& x, double l2) {
    cr::rng g(5);
    auto c = cr::make_matrix<double>(x.shape()[0], 1);
    for (auto& v : c) v = g.normal();
    std::vector<std::vector<std::size_t>> touched;
    auto loss = [&]() {
        const auto& z = net.forward(x);
        double s = 0.0;
        for (std::size_t r = 0; r < z.shape()[0]; ++r) s += c(r, 0) * z(r, 0);
        const auto params = net.parameters();
        for (std::size_t k = 0; k < params.size(); ++k) {
            const auto& p = params[k];
            if (p.name == "bias") continue;
            if (p.sparse) {
                for (std::size_t row : touched[k])
                    for (std::size_t j = 0; j < p.row_size; ++j) s += 0.5 * l2 * p.value[row * p.row_size + j] * p.value[row * p.row_size + j];
            } else {
                for (double v : p.value) s += 0.5 * l2 * v * v;
            }
        }
        return s;
    };
    net.forward(x);
    net.backward(c);
    auto params = net.parameters();
    std::vector<std::vector<double>> analytic;
    for (const auto& p : params) {
        analytic.emplace_back(p.grad.begin(), p.grad.end());
        touched.emplace_back(p.touched_rows.begin(), p.touched_rows.end());
    }
    double worst = 0.0;
    const double h = 1e-6;
    for (std::size_t k = 0; k < params.size(); ++k) {
        const auto& p = params[k];
        std::vector<std::size_t> indices;
        if (p.sparse) {
            REQUIRE_FALSE(touched[k].empty());
            for (std::size_t row : touched[k])
                for (std::size_t j = 0; j < p.row_size; ++j) indices.push_back(row * p.row_size + j);
        } else {
            indices.resize(p.size());
            std::iota(indices.begin(), indices.end(), std::size_t{0});
        }
        for (std::size_t i : indices) {
            const double saved = p.value[i];
            p.value[i] = saved + h;
            const double up = loss();
            p.value[i] = saved - h;
            const double down = loss();
            p.value[i] = saved;
            const double numeric = (up - down) / (2 * h);
            worst = std::max(worst, std::abs(numeric - analytic[k][i]) / std::max(1.0, std::abs(numeric)));
        }
    }
    return worst;
}

}  // namespace

TEST_CASE("neural networks: backward matches central finite differences in double", "[rec][neural]") {
    // Rows: [user, item]; user 1 and item 2 repeat, so embedding rows accumulate several gradients.
    cr::matrix<double> x = {{0, 2}, {1, 0}, {1, 2}, {2, 3}, {1, 1}};
    SECTION("neumf") {
        rec::detail::neumf_net<double> net(3, 4, {.gmf_dim = 3, .mlp_dim = 2, .mlp_layers = {5, 3}, .l2 = 0.1, .init_stddev = 0.5}, 9);
        CHECK(network_gradient_error(net, x, 0.1) < 1e-6);
    }
    SECTION("two_tower") {
        cr::rng g(2);
        auto uf = cr::make_matrix<double>(3, 2), itf = cr::make_matrix<double>(4, 1);
        for (auto& v : uf) v = g.normal();
        for (auto& v : itf) v = g.normal();
        rec::detail::tower<double> user(3, 2, uf, {4, 3}, 0.5, 1, "user"), item(4, 2, itf, {4, 3}, 0.5, 2, "item");
        rec::detail::two_tower_net<double> net(std::move(user), std::move(item), 0.1, 0.0, 3);
        CHECK(network_gradient_error(net, x, 0.1) < 1e-6);
    }
}

TEST_CASE("neumf and two_tower: learn a planted two-cluster structure", "[rec][neural]") {
    // Held-out items against all unseen items: random ranking gives AUC 0.5; a model that knows the
    // clusters but nothing finer gets about (20 + 10 / 2) / 30 = 0.83 (10 unseen items share the cluster).
    const auto p = planted_log(80, 40, 8, 2, 21);
    rec::neumf neumf({.gmf_dim = 8, .mlp_dim = 8, .mlp_layers = {16, 8}, .epochs = 20, .batch_size = 64, .learning_rate = 0.003,
                      .seed = 1});
    const auto h = neumf.fit(p.train);
    REQUIRE(h.loss.size() == 20);
    CHECK(h.loss.back() < 0.8 * h.loss.front());
    const double auc_neumf = held_out_auc(neumf, p);
    INFO("neumf held-out AUC " << auc_neumf);
    CHECK(auc_neumf > 0.75);

    rec::two_tower tt({.embedding_dim = 8, .tower_layers = {16, 8}, .epochs = 20, .batch_size = 64, .learning_rate = 0.003,
                       .seed = 1});
    const auto h2 = tt.fit(p.train);
    CHECK(h2.loss.back() < 0.8 * h2.loss.front());
    const double auc_tt = held_out_auc(tt, p);
    INFO("two_tower held-out AUC " << auc_tt);
    CHECK(auc_tt > 0.75);

    // Top-5 of a user: mostly (here all) items of the user's cluster.
    for (std::size_t u : {0, 1, 2, 3})
        for (const auto& s : neumf.recommend(u, 5)) CHECK(s.item / 20 == u % 2);
}

TEST_CASE("two_tower: new users and new items are scored from their features", "[rec][neural]") {
    const auto p = planted_log(60, 30, 6, 0, 8);
    // One-hot cluster features; users 60 and 61 have features only (no history).
    rec::two_tower_features features{cr::make_matrix<float>(62, 2), cr::make_matrix<float>(30, 2)};
    for (std::size_t u = 0; u < 62; ++u) features.user(u, 0) = u % 2 == 0, features.user(u, 1) = u % 2 == 1;
    for (std::size_t i = 0; i < 30; ++i) features.item(i, 0) = i < 15, features.item(i, 1) = i >= 15;
    rec::two_tower model({.embedding_dim = 4, .tower_layers = {8, 4}, .id_dropout = 0.3, .epochs = 20, .batch_size = 32,
                          .learning_rate = 0.01, .seed = 4},
                         features);
    model.fit(p.train);
    const std::vector<float> cluster0{1.0f, 0.0f}, cluster1{0.0f, 1.0f};
    // A new item of cluster 0: every cluster-0 user scores it above every cluster-1 user.
    double low0 = 1e9, high1 = -1e9;
    for (std::size_t u = 0; u < 60; ++u) {
        const double s = model.score_new_item(u, cluster0);
        if (u % 2 == 0) low0 = std::min(low0, s);
        else high1 = std::max(high1, s);
    }
    CHECK(low0 > high1);
    // A new user of cluster 1 gets cluster-1 items.
    for (const auto& s : model.recommend_new_user(cluster1, 5)) CHECK(s.item >= 15);
    // A feature-only user by index: covered, and scored as a new user with its feature row.
    CHECK(model.covers(61));
    CHECK_FALSE(model.covers(62));
    CHECK(model.recommend(61, 30, false) == model.recommend_new_user(cluster1, 30));
    CHECK(model.score(62, all_items(30)) == std::vector<double>(30, 0.0));
}

TEST_CASE("neumf and two_tower: save and load give identical scores and id maps", "[rec][neural]") {
    const auto log = data::read_interactions_text("user,item\nann,x\nann,y\nbob,z\ncat,x\ncat,w\ndan,y\n", {});
    rec::neumf a({.gmf_dim = 4, .mlp_dim = 4, .mlp_layers = {8, 4}, .epochs = 2, .seed = 3});
    a.fit(log);
    rec::two_tower b({.embedding_dim = 4, .tower_layers = {8, 4}, .epochs = 2, .seed = 3});
    b.fit(log);
    const auto pa = temp_path("neumf.safetensors"), pb = temp_path("two_tower.safetensors");
    rec::save_recommender(a, pa);
    rec::save_recommender(b, pb);
    const auto a2 = rec::load_recommender<rec::neumf>(pa);
    const auto b2 = rec::load_recommender<rec::two_tower>(pb);
    const auto items = all_items(log.n_items());
    for (std::size_t u = 0; u < log.n_users(); ++u) {
        CHECK(a2.score(u, items) == a.score(u, items));
        CHECK(b2.score(u, items) == b.score(u, items));
        CHECK(a2.recommend(u, 3) == a.recommend(u, 3));
        CHECK(b2.recommend(u, 3) == b.recommend(u, 3));
    }
    CHECK(a2.log().user_ids == log.user_ids());
    CHECK(a2.log().item_ids == log.item_ids());
    CHECK(b2.log().item_ids == log.item_ids());
    CHECK(a2.options().mlp_layers == std::vector<std::size_t>{8, 4});
    CHECK(a2.options().seed == 3);
    CHECK((b2.item_vectors() == b.item_vectors()));

    // The wrong model, a truncated file, a tensor of the wrong shape or with a NaN: format_error.
    CHECK_THROWS_AS(rec::load_recommender<rec::two_tower>(pa), cr::format_error);
    CHECK_THROWS_AS(rec::load_recommender<rec::neumf>(pb), cr::format_error);
    const auto bytes = std::filesystem::file_size(pa);
    std::filesystem::resize_file(pa, bytes / 2);
    CHECK_THROWS_AS(rec::load_recommender<rec::neumf>(pa), cr::format_error);
    auto f = a.to_file();
    f.erase("output.bias");
    f.add<float>("output.bias", std::vector<float>{0.0f, 0.0f}, {2});
    CHECK_THROWS_AS(rec::neumf::from_file(f), cr::format_error);
    f = a.to_file();
    auto w = f.get_matrix<float>("mlp.dense1.weight");
    w(0, 0) = std::nanf("");
    f.erase("mlp.dense1.weight");
    f.add("mlp.dense1.weight", w);
    CHECK_THROWS_AS(rec::neumf::from_file(f), cr::format_error);
    f = a.to_file();
    f.metadata["options"] = R"({"gmf_dim": 4})";
    CHECK_THROWS_AS(rec::neumf::from_file(f), cr::format_error);
    auto g = b.to_file();
    g.erase("item.dense0.weight");
    CHECK_THROWS_AS(rec::two_tower::from_file(g), cr::format_error);
}

TEST_CASE("neumf and two_tower: errors name the model and the fault", "[rec][neural]") {
    const auto log = tiny_log();
    const std::vector<std::size_t> items{0, 1};
    rec::neumf n({.epochs = 1});
    rec::two_tower t({.epochs = 1});
    CHECK_THROWS_AS(n.score(0, items), cr::not_fitted_error);
    CHECK_THROWS_AS(n.recommend(0, 3), cr::not_fitted_error);
    CHECK_THROWS_AS(n.to_file(), cr::not_fitted_error);
    CHECK_THROWS_AS(t.score(0, items), cr::not_fitted_error);
    CHECK_THROWS_AS(t.recommend(0, 3), cr::not_fitted_error);
    CHECK_FALSE(n.covers(0));
    n.fit(log);
    t.fit(log);
    CHECK_THROWS_AS(n.score(0, std::vector<std::size_t>{5}), cr::argument_error);
    CHECK_THROWS_AS(t.score(0, std::vector<std::size_t>{0, 9}), cr::argument_error);
    CHECK_THROWS_WITH(n.score(0, std::vector<std::size_t>{5}), Catch::Contains("neumf") && Catch::Contains("item index 5"));
    // Bad options.
    CHECK_THROWS_AS(rec::neumf({.negatives = 0}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.gmf_dim = 0, .mlp_dim = 0}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.mlp_layers = {}}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.mlp_layers = {8, 0}}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.epochs = 0}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.batch_size = 0}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.learning_rate = -1.0}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.l2 = std::nan("")}), cr::argument_error);
    CHECK_THROWS_AS(rec::neumf({.validation_split = 1.0}), cr::argument_error);
    CHECK_THROWS_AS(rec::two_tower({.tower_layers = {}}), cr::argument_error);
    CHECK_THROWS_AS(rec::two_tower({.id_dropout = 1.0}), cr::argument_error);
    CHECK_THROWS_WITH(rec::two_tower({.negatives = 0}), Catch::Contains("two_tower") && Catch::Contains("negatives"));
    // Logs the sampler cannot serve: no interaction, or a user who saw every item.
    rec::neumf fresh({.epochs = 1});
    CHECK_THROWS_AS(fresh.fit(data::interactions({}, {}, {})), cr::argument_error);
    CHECK_THROWS_WITH(fresh.fit(data::interactions({0, 0, 1}, {0, 1, 0}, {})), Catch::Contains("user 0 interacted with all 2 items"));
    // Features: too few rows, non-finite, a tower without input, new entities without features.
    rec::two_tower short_features({.epochs = 1}, {cr::make_matrix<float>(2, 1), cr::make_matrix<float>(0, 0)});
    CHECK_THROWS_AS(short_features.fit(log), cr::shape_error);
    auto bad = cr::make_matrix<float>(6, 1);
    bad.fill(0.0f);
    bad(3, 0) = std::nanf("");
    CHECK_THROWS_AS(rec::two_tower({}, {bad, cr::make_matrix<float>(0, 0)}), cr::argument_error);
    rec::two_tower no_input({.embedding_dim = 0, .epochs = 1});
    CHECK_THROWS_WITH(no_input.fit(log), Catch::Contains("user tower has no input"));
    const std::vector<float> row{1.0f};
    CHECK_THROWS_AS(t.score_new_user(row, items), cr::argument_error);
    CHECK_THROWS_AS(t.score_new_item(0, row), cr::argument_error);
    auto uf = cr::make_matrix<float>(6, 2);
    uf.fill(1.0f);
    rec::two_tower with_features({.epochs = 1}, {uf, cr::make_matrix<float>(0, 0)});
    with_features.fit(log);
    CHECK_THROWS_WITH(with_features.score_new_user(row, items), Catch::Contains("has 1 values") && Catch::Contains("have 2"));
}

TEST_CASE("neumf and two_tower: the same seed gives identical scores", "[rec][neural]") {
    const auto p = planted_log(20, 16, 4, 0, 2);
    auto scores = [&](auto model) {
        const auto h = model.fit(p.train);
        std::vector<double> all;
        for (std::size_t u = 0; u < 20; ++u) {
            const auto s = model.score(u, all_items(16));
            all.insert(all.end(), s.begin(), s.end());
        }
        all.push_back(h.loss.back());
        return all;
    };
    const rec::neumf_options o{.gmf_dim = 4, .mlp_dim = 4, .mlp_layers = {8}, .epochs = 3, .batch_size = 16, .seed = 5};
    CHECK(scores(rec::neumf(o)) == scores(rec::neumf(o)));
    auto other = o;
    other.seed = 6;
    CHECK(scores(rec::neumf(o)) != scores(rec::neumf(other)));
    const rec::two_tower_options t{.embedding_dim = 4, .tower_layers = {8, 4}, .id_dropout = 0.2, .epochs = 3, .seed = 5};
    CHECK(scores(rec::two_tower(t)) == scores(rec::two_tower(t)));
}

TEST_CASE("neumf and two_tower: coverage, fallback and recommend_many", "[rec][neural]") {
    // User 3 is in the log's range but has no history; user 9 is beyond it.
    const data::interactions log(data::interaction_columns{.users = {0, 0, 1, 2}, .items = {0, 1, 2, 3}, .n_users = 4, .n_items = 5});
    rec::neumf n({.gmf_dim = 4, .mlp_dim = 4, .mlp_layers = {4}, .epochs = 2});
    n.fit(log);
    rec::two_tower t({.embedding_dim = 4, .tower_layers = {4}, .epochs = 2});
    t.fit(log);
    static_assert(rec::ReportsCoverage<rec::neumf> && rec::ReportsCoverage<rec::two_tower>);
    for (std::size_t u : {3, 9}) {
        CHECK_FALSE(n.covers(u));
        CHECK_FALSE(t.covers(u));
        CHECK(n.score(u, all_items(5)) == std::vector<double>(5, 0.0));
        CHECK(t.score(u, all_items(5)) == std::vector<double>(5, 0.0));
        CHECK(n.recommend(u, 3).empty());
        CHECK(t.recommend(u, 3).empty());
    }
    CHECK(n.covers(0));
    CHECK(t.covers(2));
    const std::vector<std::size_t> users{0, 1, 2, 3, 0, 2};
    const int threads = cr::num_threads();
    cr::set_num_threads(2);
    const auto lists = rec::recommend_many(n, users, 3);
    cr::set_num_threads(threads);
    for (std::size_t j = 0; j < users.size(); ++j) CHECK(lists[j] == n.recommend(users[j], 3));
}

TEST_CASE("neumf: any optimizer, fit callbacks and a validation split", "[rec][neural]") {
    const auto p = planted_log(40, 20, 6, 0, 4);
    rec::neumf model({.gmf_dim = 4, .mlp_dim = 4, .mlp_layers = {8}, .epochs = 30, .batch_size = 32, .validation_split = 0.2});
    cr::train::early_stopping stop({.monitor = "val_loss", .patience = 2, .restore_best_weights = true});
    std::size_t epochs_seen = 0;
    const auto h = model.fit(p.train, cr::optim::adagrad<float>({.learning_rate = 0.05}), stop,
                             cr::train::on_epoch_end([&](auto&) { ++epochs_seen; }));
    CHECK(h.val_loss.size() == h.loss.size());
    CHECK(epochs_seen == h.loss.size());
    CHECK(h.val_loss.back() < h.val_loss.front());
    CHECK(model.covers(0));
}

TEST_CASE("fit: resample rewrites the training rows at every epoch", "[rec][neural]") {
    // y = x exactly; resample hands over the training part only (validation rows stay as given).
    auto X = cr::make_matrix<float>(10, 1), Y = cr::make_matrix<float>(10, 1);
    for (std::size_t r = 0; r < 10; ++r) X(r, 0) = Y(r, 0) = static_cast<float>(r % 2);
    auto model = cr::nn::sequential(cr::nn::dense<float>(1, 1));
    std::vector<std::size_t> calls;
    cr::train::fit_options<float> o{.epochs = 3, .batch_size = 4, .validation_split = 0.2, .verbose = 0};
    o.resample = [&](std::size_t epoch, cr::matrix<float>& x, cr::matrix<float>& y) {
        calls.push_back(epoch);
        CHECK(x.shape()[0] == 8);
        for (std::size_t r = 0; r < 8; ++r) x(r, 0) = y(r, 0) = static_cast<float>((r + epoch) % 2);
    };
    const auto h = cr::train::fit(model, cr::loss::mse{}, cr::optim::sgd<float>({.learning_rate = 0.1}), X, Y, o);
    CHECK(calls == std::vector<std::size_t>{0, 1, 2});
    CHECK(h.val_loss.size() == 3);
    o.resample = [](std::size_t, cr::matrix<float>& x, cr::matrix<float>&) { x = cr::make_matrix<float>(3, 1); };
    CHECK_THROWS_AS(cr::train::fit(model, cr::loss::mse{}, cr::optim::sgd<float>({.learning_rate = 0.1}), X, Y, o), cr::shape_error);
}

TEST_CASE("fit: the embedding rows a batch touches are updated", "[rec][neural]") {
    // fit reads the parameter views once; a sparse view's touched rows change with every batch.
    auto model = cr::nn::sequential(cr::nn::embedding<float>(4, 2, {.seed = 1}), cr::nn::dense<float>(2, 1));
    const cr::matrix<float> before = model.layer<0>().table();
    cr::matrix<float> X = {{0}, {1}, {2}, {0}}, Y = {{1}, {0}, {1}, {1}};
    cr::train::fit(model, cr::loss::mse{}, cr::optim::adam<float>({.learning_rate = 0.1}), X, Y, {.epochs = 2, .batch_size = 2, .verbose = 0});
    const auto& after = model.layer<0>().table();
    for (std::size_t r = 0; r < 3; ++r) CHECK(after(r, 0) != before(r, 0));
    CHECK(after(3, 0) == before(3, 0));  // never in a batch
    CHECK(after(3, 1) == before(3, 1));
}

namespace {

/// Records rows of the GMF table when training begins.
struct rows_at_start {
    std::vector<std::size_t> rows;
    std::vector<float> values{};
    template <class Ctx>
    void on_train_begin(Ctx& ctx) {
        for (std::size_t r : rows) values.push_back(ctx.model.gmf()->table()(r, 0));
    }
};

}  // namespace

TEST_CASE("neumf: item ids above 2^24 train and score exactly (no float round-trip)", "[rec][neural][large]") {
    // 2^25 + 1 and 2^25 + 3 are not floats: as floats they would round to 2^25 and 2^25 + 4, and the
    // wrong embedding rows would train. Integer ids must touch exactly their own rows.
    constexpr std::size_t a = (std::size_t{1} << 25) + 1, b = (std::size_t{1} << 25) + 3, n_items = b + 2;
    REQUIRE(static_cast<std::size_t>(static_cast<float>(a)) != a);
    const data::interactions log(data::interaction_columns{.users = {0, 1}, .items = {a, b}, .n_users = 2, .n_items = n_items});
    rec::neumf model({.gmf_dim = 1, .mlp_dim = 0, .negatives = 1, .epochs = 30, .batch_size = 4, .init_stddev = 0.1, .seed = 5});
    rows_at_start start{.rows = {2 + a - 1, 2 + a, 2 + a + 1, 2 + b}};
    const auto h = model.fit(log, cr::optim::sgd<float>({.learning_rate = 0.5}), start);
    REQUIRE(h.loss.size() == 30);
    CHECK(h.loss.back() < h.loss.front());
    const auto& table = model.network().gmf()->table();
    CHECK(table(2 + a, 0) != start.values[1]);      // the positive's own row trained
    CHECK(table(2 + b, 0) != start.values[3]);
    CHECK(table(2 + a - 1, 0) == start.values[0]);  // 2^25, where a float id would have landed, did not
    CHECK(table(2 + a + 1, 0) == start.values[2]);
    // Scores read the same rows: logit = w p_u q_i + b.
    const auto& out = model.network().output();
    const std::size_t items[] = {a, b};
    const auto s = model.score(0, items);
    const double expected = static_cast<double>(out.weight()(0, 0) * table(0, 0) * table(2 + a, 0) + out.bias()(0));
    CHECK(s[0] == Approx(expected).epsilon(1e-6));
    CHECK(s[0] > s[1]);  // user 0's positive ranks above user 1's
}

}  // namespace causalrec_test_rec_neural
