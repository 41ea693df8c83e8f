#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/popularity.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../popularity.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE popularity::popularity(popularity_options options) : options_(options) {
    if (!(options_.half_life >= 0.0 && std::isfinite(options_.half_life)))
        throw argument_error(causalrec::cat("causalrec::rec::popularity: half_life must be finite and >= 0, got ", options_.half_life));
}

CAUSALREC_INLINE void popularity::fit(const data::interactions& log) {
    detail::require_nonempty_log(log, "popularity");
    const bool decay = options_.half_life > 0.0;
    if (decay && !log.has_timestamps())
        throw argument_error("causalrec::rec::popularity: half_life > 0 needs timestamps, and the log has none");
    std::vector<double> scores(log.n_items(), 0.0);
    const auto items = log.items();
    const auto values = log.values();
    const auto ts = log.timestamps();
    const double t_last = decay && !ts.empty() ? *std::max_element(ts.begin(), ts.end()) : 0.0;
    for (std::size_t r = 0; r < log.size(); ++r) {
        double w = options_.sum_values ? values[r] : 1.0;
        if (decay) w *= std::exp2(-(t_last - ts[r]) / options_.half_life);
        scores[items[r]] += w;
    }
    scores_ = std::move(scores);
    log_ = log_summary::of(log);
    last_time_ = t_last;
    fitted_ = true;
}

CAUSALREC_INLINE void popularity::partial_fit(const data::interactions& batch) {
    if (!fitted_) {
        fit(batch);
        return;
    }
    log_.require_same_ids(batch, "causalrec::rec::popularity::partial_fit");
    if (batch.n_users() < log_.n_users || batch.n_items() < scores_.size())
        throw argument_error(causalrec::cat("causalrec::rec::popularity::partial_fit: the batch has ", batch.n_users(), " users and ", batch.n_items(),
                                            " items, the model ", log_.n_users, " and ", scores_.size(), " (read batches with the model's id maps)"));
    const bool decay = options_.half_life > 0.0;
    if (decay && !batch.has_timestamps() && !batch.empty())
        throw argument_error("causalrec::rec::popularity::partial_fit: half_life > 0 needs timestamps, and the batch has none");
    scores_.resize(batch.n_items(), 0.0);
    const auto items = batch.items();
    const auto values = batch.values();
    const auto ts = batch.timestamps();
    if (decay && !ts.empty()) {
        const double t_new = std::max(last_time_, *std::max_element(ts.begin(), ts.end()));
        const double shrink = std::exp2(-(t_new - last_time_) / options_.half_life);
        for (double& s : scores_) s *= shrink;
        last_time_ = t_new;
    }
    for (std::size_t r = 0; r < batch.size(); ++r) {
        double w = options_.sum_values ? values[r] : 1.0;
        if (decay) w *= std::exp2(-(last_time_ - ts[r]) / options_.half_life);
        scores_[items[r]] += w;
    }
    // Each user's seen items: the union of the old and the batch's, ascending.
    const auto& by_user = batch.by_user();
    seen_items seen;
    seen.row_ptr.assign(1, 0);
    for (std::size_t u = 0; u < batch.n_users(); ++u) {
        const auto old = log_.seen.of(u);
        const auto add = by_user.row_indices(u);
        std::size_t a = 0, b = 0;
        while (a < old.size() || b < add.size()) {
            std::size_t next;
            if (b == add.size() || (a < old.size() && old[a] < add[b])) next = old[a++];
            else if (a == old.size() || add[b] < old[a]) next = add[b++];
            else next = old[a++], ++b;
            seen.items.push_back(next);
        }
        seen.row_ptr.push_back(seen.items.size());
    }
    log_.seen = std::move(seen);
    log_.n_users = batch.n_users();
    log_.n_items = batch.n_items();
    if (batch.user_ids().size() >= log_.user_ids.size()) log_.user_ids = batch.user_ids();
    if (batch.item_ids().size() >= log_.item_ids.size()) log_.item_ids = batch.item_ids();
}

CAUSALREC_INLINE auto popularity::item_scores() const -> const std::vector<double>& {
    detail::require_fitted(fitted_, "popularity");
    return scores_;
}

CAUSALREC_INLINE auto popularity::score(std::size_t user, std::span<const std::size_t> items) const -> std::vector<double> {
    (void)user;
    detail::require_fitted(fitted_, "popularity");
    detail::check_items(items, scores_.size(), "popularity");
    return detail::gather(scores_, items);
}

CAUSALREC_INLINE auto popularity::recommend(std::size_t user, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    detail::require_fitted(fitted_, "popularity");
    return detail::top_k(scores_, k, exclude_seen ? log_.seen.of(user) : std::span<const std::size_t>{});
}

CAUSALREC_INLINE auto popularity::to_file() const -> io::tensor_file {
    detail::require_fitted(fitted_, "popularity");
    auto f = begin_recommender_file("popularity", {{"sum_values", options_.sum_values}, {"half_life", options_.half_life}}, log_);
    f.add<double>("item_scores", std::span<const double>(scores_), {scores_.size()});
    const double last[1] = {last_time_};  // the decayed scores' reference time, for partial_fit
    f.add<double>("last_time", std::span<const double>(last, 1), {1});
    return f;
}

CAUSALREC_INLINE auto popularity::from_file(io::tensor_file file) -> popularity {
    auto f = open_recommender_file(std::move(file), "popularity");
    popularity m({.sum_values = saved_option<bool>(f, "sum_values"), .half_life = saved_option<double>(f, "half_life")});
    m.scores_ = saved_values<double>(f, "item_scores", {f.log.n_items});
    if (f.file.contains("last_time")) m.last_time_ = saved_values<double>(f, "last_time", {1})[0];  // absent in older files
    m.log_ = std::move(f.log);
    m.fitted_ = true;
    return m;
}

}  // namespace causalrec::rec
