#pragma once
/// @file
/// factor_recommender: what every trainer of a factor_model offers once fitted, written once — the
/// counts, the factor spans, the id maps, coverage, score, recommend and the model itself. A trainer
/// (matrix_factorization, als, bpr, causal::debiased_mf) derives from it as from a mixin (no virtual
/// functions) and keeps `model_` and `fitted_` for it.

#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include "../core/checks.hpp"
#include "../core/message.hpp"
#include "../data/id_map.hpp"
#include "concepts.hpp"
#include "factor_model.hpp"

namespace causalrec::rec {

/// The fitted-state accessors of a factor-model trainer `Derived`, which has a `factor_model<T> model_`,
/// a `bool fitted_`, a `static constexpr std::string_view model_name`, and befriends this class.
/// Everything that reads trained values raises not_fitted_error before fit.
template <class Derived, std::floating_point T = float>
class factor_recommender {
public:
    /// True after fit().
    bool is_fitted() const noexcept { return self().fitted_; }
    /// Users of the training log (0 before fit).
    std::size_t n_users() const noexcept { return self().model_.n_users(); }
    /// Items of the training log (0 before fit).
    std::size_t n_items() const noexcept { return self().model_.n_items(); }
    /// User factors P, row-major n_users x factors (zero rows for users without training interactions
    /// where the trainer says so).
    std::span<const T> user_factors() const {
        require_model_fitted();
        return self().model_.user_factors;
    }
    /// Item factors Q, row-major n_items x factors.
    std::span<const T> item_factors() const {
        require_model_fitted();
        return self().model_.item_factors;
    }
    /// The training log's original user ids (empty when it had none).
    const data::id_map& user_ids() const noexcept { return self().model_.log.user_ids; }
    /// The training log's original item ids (empty when it had none).
    const data::id_map& item_ids() const noexcept { return self().model_.log.item_ids; }

    /// True for a training user with at least one training interaction.
    bool covers(std::size_t user) const noexcept { return is_fitted() && self().model_.covers(user); }

    /// Scores of `items` for `user` (factor_model::score: offset + biases + <p_u, q_i> through the
    /// model's output rule; a user beyond the training range has no factors). Raises not_fitted_error
    /// before fit and argument_error for an item out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        require_model_fitted();
        return self().model_.score(user, items, Derived::model_name);
    }

    /// The k best-scored items for `user`, best first (ties: lower item index), without the user's
    /// training items when exclude_seen is true.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const {
        require_model_fitted();
        return self().model_.recommend(user, k, exclude_seen);
    }

    /// The trained factors, biases, offset and log summary.
    const factor_model<T>& model() const {
        require_model_fitted();
        return self().model_;
    }

protected:
    /// Raises not_fitted_error naming the model before fit.
    void require_model_fitted() const { causalrec::require_fitted(self().fitted_, qualified("rec", Derived::model_name)); }

private:
    const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
};

}  // namespace causalrec::rec
