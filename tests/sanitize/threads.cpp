// Built and run under ThreadSanitizer by `scripts/test.sh --sanitize` (docs/hardening.md): two
// threads train their own models at once (per-rating SGD, ALS, a neural model through train::fit)
// and recommend_many ranks users on the library's worker threads. Any data race is a TSan report,
// which fails the run; the models trained side by side must also be identical.
#include <causalrec/rec/rec.hpp>

#include <cstdio>
#include <thread>
#include <vector>

namespace cr = causalrec;
namespace rec = causalrec::rec;

namespace {

cr::data::interactions ratings() {
    cr::data::interaction_columns c{.n_users = 60, .n_items = 40};
    for (std::size_t u = 0; u < 60; ++u)
        for (std::size_t k = 0; k < 6; ++k) {
            c.users.push_back(u);
            c.items.push_back((u * 7 + k * 5) % 40);
            c.values.push_back(1.0 + static_cast<double>((u + k) % 5));
        }
    return cr::data::interactions(std::move(c));
}

template <class Model>
bool train_twice_at_once(const Model& prototype, const cr::data::interactions& log) {
    Model a = prototype, b = prototype;
    std::thread first([&] { a.fit(log); });
    std::thread second([&] { b.fit(log); });
    first.join();
    second.join();
    const std::vector<std::size_t> items{0, 1, 2, 3};
    return a.score(5, items) == b.score(5, items);
}

}  // namespace

int main() {
    const auto log = ratings();
    bool ok = train_twice_at_once(rec::matrix_factorization({.factors = 4, .epochs = 3}), log);
    ok = train_twice_at_once(rec::als({.factors = 4, .epochs = 2}), log) && ok;
    ok = train_twice_at_once(rec::two_tower({.embedding_dim = 4, .tower_layers = {8}, .epochs = 1, .batch_size = 16}), log) && ok;
    rec::als model({.factors = 4, .epochs = 2});
    model.fit(log);
    std::vector<std::size_t> users(60);
    for (std::size_t u = 0; u < users.size(); ++u) users[u] = u;
    cr::set_num_threads(2);
    const auto lists = rec::recommend_many(model, users, 5);
    ok = lists.size() == users.size() && ok;
    std::printf("threads under ThreadSanitizer: %s\n", ok ? "ok" : "MODELS DIFFER");
    return ok ? 0 : 1;
}
