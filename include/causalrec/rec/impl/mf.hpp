#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/mf.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../mf.hpp"

namespace causalrec::rec {

namespace detail {

/// The options of matrix_factorization saved in its model files, under their keys.
constexpr auto matrix_factorization_saved_fields = std::tuple{
    field("factors", &mf_options::factors),         field("epochs", &mf_options::epochs),
    field("learning_rate", &mf_options::learning_rate), field("l2", &mf_options::l2),
    field("bias_l2", &mf_options::bias_l2),         field("init_std", &mf_options::init_std),
    field("biases", &mf_options::biases),           field("use_weights", &mf_options::use_weights),
    field("min_prediction", &mf_options::min_prediction), field("max_prediction", &mf_options::max_prediction),
    field("seed", &mf_options::seed)};

}  // namespace detail

CAUSALREC_INLINE void matrix_factorization::fit(const data::interactions& log) {
    start(log);
    sgd_epochs(log, options_.epochs);
}

CAUSALREC_INLINE void matrix_factorization::partial_fit(const data::interactions& log, std::size_t epochs) {
    if (!fitted_) {
        start(log);
    } else {
        model_.log.require_same_ids(log, "causalrec::rec::matrix_factorization::partial_fit");
        if (log.n_users() != model_.log.n_users || log.n_items() != model_.log.n_items)
            throw shape_error(causalrec::cat("causalrec::rec::matrix_factorization::partial_fit: the log has ", log.n_users(), " users and ",
                                             log.n_items(), " items, the model was fitted on ", model_.log.n_users, " and ", model_.log.n_items));
    }
    sgd_epochs(log, epochs);
}

CAUSALREC_INLINE double matrix_factorization::predict(std::size_t user, std::size_t item) const {
    detail::require_fitted(fitted_, model_name);
    const std::size_t one[1] = {item};
    detail::check_items(one, model_.log.n_items, model_name);
    return model_.predict(user, item);
}

CAUSALREC_INLINE auto matrix_factorization::predict(const data::interactions& log) const -> std::vector<double> {
    detail::require_fitted(fitted_, model_name);
    detail::check_items(log.items(), model_.log.n_items, model_name);
    std::vector<double> out(log.size());
    for (std::size_t r = 0; r < log.size(); ++r) out[r] = model_.predict(log.users()[r], log.items()[r]);
    return out;
}

CAUSALREC_INLINE auto matrix_factorization::to_file() const -> io::tensor_file {
    detail::require_fitted(fitted_, model_name);
    auto f = begin_recommender_file(model_name, options_json(), model_.log);
    model_.write(f);
    return f;
}

CAUSALREC_INLINE auto matrix_factorization::from_file(io::tensor_file file) -> matrix_factorization {
    auto f = open_recommender_file(std::move(file), model_name);
    mf_options o;
    read_options(f, o, detail::matrix_factorization_saved_fields);
    matrix_factorization m(o);
    m.model_ = factor_model<float>::read(f, o.factors, true, true);
    m.model_.min_prediction = o.min_prediction;
    m.model_.max_prediction = o.max_prediction;
    m.fitted_ = true;
    return m;
}

CAUSALREC_INLINE nlohmann::json matrix_factorization::options_json() const {
    nlohmann::json j = nlohmann::json::object();
    write_options(j, options_, detail::matrix_factorization_saved_fields);
    return j;
}

CAUSALREC_INLINE void matrix_factorization::check_options() const {
    auto bad = [](double v) { return !(v >= 0.0 && std::isfinite(v)); };
    if (options_.factors == 0) throw argument_error("causalrec::rec::matrix_factorization: factors must be >= 1");
    if (bad(options_.learning_rate) || options_.learning_rate == 0.0)
        throw argument_error(causalrec::cat("causalrec::rec::matrix_factorization: learning_rate must be finite and > 0, got ",
                                                    options_.learning_rate));
    if (bad(options_.l2))
        throw argument_error(causalrec::cat("causalrec::rec::matrix_factorization: l2 must be finite and >= 0, got ",
                                                    options_.l2));
    if (bad(options_.bias_l2))
        throw argument_error(causalrec::cat("causalrec::rec::matrix_factorization: bias_l2 must be finite and >= 0, got ",
                                                    options_.bias_l2));
    if (bad(options_.init_std))
        throw argument_error(causalrec::cat("causalrec::rec::matrix_factorization: init_std must be finite and >= 0, got ",
                                                    options_.init_std));
    if (!(options_.min_prediction <= options_.max_prediction))
        throw argument_error(causalrec::cat("causalrec::rec::matrix_factorization: min_prediction ", options_.min_prediction,
                                                    " is above max_prediction ", options_.max_prediction));
}

CAUSALREC_INLINE void matrix_factorization::start(const data::interactions& log) {
    detail::require_nonempty_log(log, model_name);
    model_.log = log_summary::of(log);
    const std::size_t k = options_.factors;
    model_.factors = k;
    model_.min_prediction = options_.min_prediction;
    model_.max_prediction = options_.max_prediction;
    rng_.reseed(options_.seed);
    model_.user_factors.resize(model_.log.n_users * k);
    model_.item_factors.resize(model_.log.n_items * k);
    for (auto& x : model_.user_factors) x = static_cast<float>(options_.init_std * rng_.normal());
    for (auto& x : model_.item_factors) x = static_cast<float>(options_.init_std * rng_.normal());
    model_.user_bias.assign(model_.log.n_users, 0.0f);
    model_.item_bias.assign(model_.log.n_items, 0.0f);
    const bool weighted = options_.use_weights && log.has_weights();
    double sum = 0.0, wsum = 0.0;
    for (std::size_t r = 0; r < log.size(); ++r) {
        const double w = weighted ? log.weights()[r] : 1.0;
        sum += w * log.values()[r];
        wsum += w;
    }
    model_.offset = wsum > 0.0 ? sum / wsum : 0.0;
    losses_.clear();
    order_.clear();
    fitted_ = false;
}

CAUSALREC_INLINE void matrix_factorization::finish_epoch(std::size_t epoch, double loss) {
    if (!std::isfinite(loss))
        throw numeric_error(causalrec::cat("causalrec::rec::matrix_factorization: the training loss became non-finite in epoch ",
                                                   epoch + 1, " (lower the learning rate)"));
    losses_.push_back(loss);
}

CAUSALREC_INLINE auto matrix_factorization::packed_rows(const data::interactions& log, bool reshuffled) -> std::vector<detail::packed_rating> {
    const std::size_t n = log.size();
    if (n > 0xFFFFFFFFu || model_.log.n_users > 0xFFFFFFFFu || model_.log.n_items > 0xFFFFFFFFu)
        throw argument_error("causalrec::rec::matrix_factorization: training supports up to 2^32 - 1 ratings, users and items");
    if (order_.size() != n) {
        order_.resize(n);
        for (std::size_t r = 0; r < n; ++r) order_[r] = static_cast<std::uint32_t>(r);
    }
    if (reshuffled) rng_.shuffle(std::span<std::uint32_t>(order_));
    std::vector<detail::packed_rating> rows(n);
    const std::size_t* users = log.users().data();
    const std::size_t* items = log.items().data();
    const double* values = log.values().data();
    for (std::size_t j = 0; j < n; ++j) {
        if (j + 16 < n) {  // the ratings are read in shuffled order: ask for them ahead
            const std::uint32_t ahead = order_[j + 16];
            CAUSALREC_PREFETCH(users + ahead, 0);
            CAUSALREC_PREFETCH(items + ahead, 0);
            CAUSALREC_PREFETCH(values + ahead, 0);
        }
        const std::uint32_t r = order_[j];
        rows[j] = {static_cast<std::uint32_t>(users[r]), static_cast<std::uint32_t>(items[r]), static_cast<float>(values[r]), r};
    }
    return rows;
}

CAUSALREC_INLINE void matrix_factorization::sgd_epochs(const data::interactions& log, std::size_t epochs) {
    const std::size_t n = log.size();
    // The first epoch's shuffle runs on the 4-byte order before packing, the later ones on the
    // packed ratings in place: the same permutations either way.
    std::vector<detail::packed_rating> rows = packed_rows(log, epochs > 0);
    const double* weights = options_.use_weights && log.has_weights() ? log.weights().data() : nullptr;
    const sgd_settings settings{static_cast<float>(options_.learning_rate), static_cast<float>(options_.l2),
                                static_cast<float>(options_.bias_l2), static_cast<float>(model_.offset),
                                options_.factors, options_.biases};
    for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
        if (epoch > 0) rng_.shuffle(std::span<detail::packed_rating>(rows));
        const double loss = sgd_pass(rows.data(), n, weights, model_.user_factors.data(), model_.item_factors.data(), model_.user_bias.data(), model_.item_bias.data(), settings);
        finish_epoch(epoch, loss / static_cast<double>(n));
    }
    for (std::size_t j = 0; j < n; ++j) order_[j] = rows[j].row;
    fitted_ = true;
}

}  // namespace causalrec::rec
