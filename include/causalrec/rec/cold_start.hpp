#pragma once
/// @file
/// Cold start by composition: fallback_chain routes each user to the first of several recommenders
/// that covers the user (e.g. ALS for users with history, then content-based, then popularity for
/// everyone else).

#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../data/interactions.hpp"
#include "concepts.hpp"

namespace causalrec::rec {

namespace detail {

/// Whether `model` covers `user`: its covers() when it has one, else true (a model without
/// coverage, such as popularity, serves every user).
template <class Model>
bool model_covers(const Model& model, std::size_t user) {
    if constexpr (ReportsCoverage<Model>) {
        return static_cast<bool>(model.covers(user));
    } else {
        (void)model;
        (void)user;
        return true;
    }
}

}  // namespace detail

/// A recommender made of others, tried in order: a user is served by the first model whose
/// covers(user) is true (a model without covers() serves everyone, so put it last). fit() fits
/// every model on the same log. Satisfies Recommender and ReportsCoverage; score and recommend are
/// as thread-safe as the models. No virtual calls: the chain is a tuple and the routing is a fold
/// over it.
template <Recommender... Models>
    requires(sizeof...(Models) >= 1)
class fallback_chain {
public:
    /// A chain of the given models (copied or moved in), in routing order.
    explicit fallback_chain(Models... models) : models_(std::move(models)...) {}

    /// Fits every model on `log`.
    void fit(const data::interactions& log) {
        std::apply([&](auto&... m) { (m.fit(log), ...); }, models_);
    }

    /// The position in the chain of the model that serves `user`, or the chain's length when no
    /// model covers the user.
    std::size_t route(std::size_t user) const {
        std::size_t index = 0;
        bool found = false;
        std::apply([&](const auto&... m) { ((found || (detail::model_covers(m, user) ? (found = true) : (++index, false))), ...); },
                   models_);
        return index;
    }

    /// True when some model covers `user`.
    bool covers(std::size_t user) const { return route(user) < sizeof...(Models); }

    /// Scores of `items` from the model serving `user`; raises argument_error when no model covers
    /// the user.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        std::vector<double> out;
        dispatch(user, [&](const auto& m) { out = m.score(user, items); });
        return out;
    }

    /// The k best items from the model serving `user`; raises argument_error when no model covers
    /// the user.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const {
        std::vector<scored_item> out;
        dispatch(user, [&](const auto& m) { out = m.recommend(user, k, exclude_seen); });
        return out;
    }

    /// The model at position I of the chain.
    template <std::size_t I>
    const auto& model() const noexcept {
        return std::get<I>(models_);
    }

    /// The model at position I of the chain (mutable, e.g. to fit it alone).
    template <std::size_t I>
    auto& model() noexcept {
        return std::get<I>(models_);
    }

private:
    template <class Fn>
    void dispatch(std::size_t user, Fn&& fn) const {
        bool done = false;
        std::apply([&](const auto&... m) { ((done || (detail::model_covers(m, user) ? (fn(m), done = true) : false)), ...); },
                   models_);
        if (!done)
            throw argument_error(causalrec::cat("causalrec::rec::fallback_chain: no model covers user ", user,
                                                        " (end the chain with a model that serves everyone, such as popularity)"));
    }

    std::tuple<Models...> models_;
};

}  // namespace causalrec::rec
