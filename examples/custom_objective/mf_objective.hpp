#pragma once
// A user-written training objective: matrix factorisation of explicit ratings with a custom
// regulariser, trained by causalrec::train::fit with any optimizer and any callbacks.
// The penalty is popularity-aware: an item vector seen by few users is shrunk harder
// (l2 / sqrt(count)), a user vector by l2. No base class: the members below are the whole contract.
#include <causalrec/core/parameter.hpp>
#include <causalrec/core/rng.hpp>
#include <causalrec/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

/// One observed rating.
struct rating {
    std::size_t user, item;
    float value;
};

/// Squared error of <p_u, q_i> against the ratings of a batch, plus the custom penalty.
class mf_objective {
public:
    using value_type = float;

    mf_objective(std::vector<rating> ratings, std::size_t users, std::size_t items, std::size_t k, float l2,
                 std::uint64_t seed)
        : ratings_(std::move(ratings)), k_(k), l2_(l2), p_(causalrec::make_matrix<float>(users, k)),
          q_(causalrec::make_matrix<float>(items, k)), dp_(causalrec::make_matrix<float>(users, k)),
          dq_(causalrec::make_matrix<float>(items, k)), count_(items, 0.0f), p_shape_{users, k}, q_shape_{items, k} {
        std::fill(dp_.begin(), dp_.end(), 0.0f), std::fill(dq_.begin(), dq_.end(), 0.0f);
        causalrec::rng engine(seed);
        for (auto& v : p_) v = static_cast<float>(engine.normal(0.0, 0.1));
        for (auto& v : q_) v = static_cast<float>(engine.normal(0.0, 0.1));
        for (const rating& r : ratings_) count_[r.item] += 1.0f;
    }

    std::size_t samples() const { return ratings_.size(); }

    /// Sparse views: only the rows a batch touched carry a gradient (the optimizer skips the rest).
    std::vector<causalrec::parameter_view<float>> parameters() {
        return {view("user_factors", p_, dp_, p_shape_, users_touched_),
                view("item_factors", q_, dq_, q_shape_, items_touched_)};
    }

    /// Mean over the batch of (<p_u, q_i> - r)^2 + l2 |p_u|^2 + l2 / sqrt(n_i) |q_i|^2.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        for (std::size_t u : users_touched_) std::fill_n(&dp_(u, 0), k_, 0.0f);  // clear the last batch's rows
        for (std::size_t i : items_touched_) std::fill_n(&dq_(i, 0), k_, 0.0f);
        users_touched_.clear(), items_touched_.clear();
        const float scale = 1.0f / static_cast<float>(batch.size());
        double loss = 0.0;
        for (std::size_t s : batch) {
            const rating& r = ratings_[s];
            const float* p = &p_(r.user, 0);
            const float* q = &q_(r.item, 0);
            float pred = 0.0f, pp = 0.0f, qq = 0.0f;
            for (std::size_t f = 0; f < k_; ++f) pred += p[f] * q[f], pp += p[f] * p[f], qq += q[f] * q[f];
            const float e = pred - r.value, li = l2_ / std::sqrt(count_[r.item]);
            loss += e * e + l2_ * pp + li * qq;
            for (std::size_t f = 0; f < k_; ++f) {
                dp_(r.user, f) += scale * (2.0f * e * q[f] + 2.0f * l2_ * p[f]);
                dq_(r.item, f) += scale * (2.0f * e * p[f] + 2.0f * li * q[f]);
            }
            users_touched_.push_back(r.user), items_touched_.push_back(r.item);
        }
        return loss * scale;
    }

    /// The predicted rating.
    float predict(std::size_t user, std::size_t item) const {
        float s = 0.0f;
        for (std::size_t f = 0; f < k_; ++f) s += p_(user, f) * q_(item, f);
        return s;
    }

private:
    static causalrec::parameter_view<float> view(const char* name, causalrec::matrix<float>& value,
                                                 causalrec::matrix<float>& grad, const std::vector<std::size_t>& shape,
                                                 const std::vector<std::size_t>& touched) {
        return {.name = name, .value = {value.data(), value.size()}, .grad = {grad.data(), grad.size()},
                .shape = shape, .sparse = true, .touched_rows = touched, .row_size = value.shape()[1]};
    }

    std::vector<rating> ratings_;
    std::size_t k_;
    float l2_;
    causalrec::matrix<float> p_, q_, dp_, dq_;
    std::vector<float> count_;
    std::vector<std::size_t> p_shape_, q_shape_, users_touched_, items_touched_;
};
