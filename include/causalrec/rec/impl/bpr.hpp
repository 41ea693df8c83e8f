#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/bpr.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../bpr.hpp"

namespace causalrec::rec {

namespace detail {

/// The options of bpr saved in its model files, under their keys.
constexpr auto bpr_saved_fields = std::tuple{
    field("factors", &bpr_options::factors),   field("epochs", &bpr_options::epochs),
    field("learning_rate", &bpr_options::learning_rate), field("l2", &bpr_options::l2),
    field("bias_l2", &bpr_options::bias_l2),   field("item_bias", &bpr_options::item_bias),
    field("init_std", &bpr_options::init_std), field("seed", &bpr_options::seed)};

}  // namespace detail

CAUSALREC_INLINE bpr::bpr(bpr_options options) : options_(options) {
    auto bad = [](double v, bool strict) { return !std::isfinite(v) || v < 0.0 || (strict && v == 0.0); };
    if (options_.factors == 0) throw argument_error(causalrec::error_message("rec", model_name, "factors must be >= 1, got 0"));
    if (bad(options_.learning_rate, true))
        throw argument_error(causalrec::error_message("rec", model_name, "learning_rate must be finite and > 0, got ", options_.learning_rate));
    if (bad(options_.l2, false))
        throw argument_error(causalrec::error_message("rec", model_name, "l2 must be finite and >= 0, got ", options_.l2));
    if (bad(options_.bias_l2, false))
        throw argument_error(causalrec::error_message("rec", model_name, "bias_l2 must be finite and >= 0, got ",
                                                    options_.bias_l2));
    if (bad(options_.init_std, false))
        throw argument_error(causalrec::error_message("rec", model_name, "init_std must be finite and >= 0, got ", options_.init_std));
}

CAUSALREC_INLINE auto bpr::fit(const data::interactions& log) -> train::history {
    return fit(log, optim::sgd<float>({.learning_rate = options_.learning_rate}), 1);
}

CAUSALREC_INLINE auto bpr::item_bias() const -> std::span<const float> {
    detail::require_fitted(fitted_, model_name);
    return model_.item_bias;
}

CAUSALREC_INLINE auto bpr::to_file() const -> io::tensor_file {
    detail::require_fitted(fitted_, model_name);
    nlohmann::json opts = nlohmann::json::object();
    write_options(opts, options_, detail::bpr_saved_fields);
    io::tensor_file f = begin_recommender_file(model_name, opts, model_.log);
    model_.write(f);
    return f;
}

CAUSALREC_INLINE auto bpr::from_file(io::tensor_file file) -> bpr {
    auto opened = open_recommender_file(std::move(file), model_name);
    const std::string where = opened.file.source().empty() ? std::string("<memory>") : opened.file.source();
    bpr_options o;
    read_options(opened, o, detail::bpr_saved_fields);
    bpr m = [&] {
        try {
            return bpr(o);
        } catch (const argument_error& e) {
            throw format_error(causalrec::cat(where, ": ", e.what()));
        }
    }();
    m.model_ = factor_model<float>::read(opened, o.factors, false, true);
    m.fitted_ = true;
    return m;
}

}  // namespace causalrec::rec
