#pragma once
/// @file
/// What the neural recommenders share (not API): option checks, L2 gradients, dense rows for scoring,
/// index checks and the reading and writing of their training options.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/parameter.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../../data/interactions.hpp"
#include "../../io/safetensors.hpp"
#include "../../loss/cross_entropy.hpp"
#include "../../nn/activations.hpp"
#include "../../nn/dense.hpp"
#include "../../core/shape_cache.hpp"
#include "../../nn/embedding.hpp"
#include "../../optim/adam.hpp"
#include "../../optim/concepts.hpp"
#include "../../train/fit.hpp"
#include "../../train/loop.hpp"
#include "../../train/history.hpp"
#include "../common.hpp"
#include "../concepts.hpp"
#include "../persistence.hpp"

namespace causalrec::rec {

namespace detail {

/// Checks the training options neumf and two_tower share; raises argument_error naming the model.
template <class Options>
void check_training_options(std::string_view model, const Options& o) {
    using causalrec::cat;
    if (o.negatives == 0) throw argument_error(causalrec::error_message("rec", model, "negatives must be at least 1"));
    if (o.epochs == 0) throw argument_error(causalrec::error_message("rec", model, "epochs must be at least 1"));
    if (o.batch_size == 0) throw argument_error(causalrec::error_message("rec", model, "batch_size must be at least 1"));
    if (!(o.learning_rate > 0.0) || !std::isfinite(o.learning_rate))
        throw argument_error(causalrec::error_message("rec", model, "learning_rate must be a finite number > 0, got ", o.learning_rate));
    if (!(o.l2 >= 0.0) || !std::isfinite(o.l2)) throw argument_error(causalrec::error_message("rec", model, "l2 must be a finite number >= 0, got ", o.l2));
    if (!(o.init_stddev >= 0.0) || !std::isfinite(o.init_stddev))
        throw argument_error(causalrec::error_message("rec", model, "init_stddev must be a finite number >= 0, got ", o.init_stddev));
    if (!(o.validation_split >= 0.0 && o.validation_split < 1.0))
        throw argument_error(causalrec::error_message("rec", model, "validation_split must be in [0, 1), got ", o.validation_split));
}

/// Checks a list of layer sizes (each > 0).
inline void check_layer_sizes(std::string_view model, std::string_view field, const std::vector<std::size_t>& sizes) {
    for (std::size_t k = 0; k < sizes.size(); ++k)
        if (sizes[k] == 0) throw argument_error(causalrec::error_message("rec", model, field, "[", k, "] is 0; layer sizes must be positive"));
}

/// Adds the L2 gradient l2 * w to every weight (not biases); sparse parameters only on their touched rows.
template <class T>
void add_l2_gradient(std::span<const parameter_view<T>> params, double l2) {
    if (l2 == 0.0) return;
    const T c = static_cast<T>(l2);
    for (const auto& p : params) {
        if (p.name == "bias") continue;
        if (p.sparse) {
            for (std::size_t row : p.touched_rows)
                for (std::size_t k = 0; k < p.row_size; ++k) p.grad[row * p.row_size + k] += c * p.value[row * p.row_size + k];
        } else {
            for (std::size_t k = 0; k < p.size(); ++k) p.grad[k] += c * p.value[k];
        }
    }
}

/// Adds the L2 gradient of `net`'s parameters (see above) after its backward pass.
template <class Net>
void add_l2_to_network(Net& net, double l2) {
    if (l2 == 0.0) return;
    const auto params = net.parameters();
    add_l2_gradient<typename Net::value_type>(std::span<const parameter_view<typename Net::value_type>>(params), l2);
}

/// Appends a layer's non-empty parameter views to `out`.
template <class T, class Range>
void append_parameters(std::vector<parameter_view<T>>& out, Range&& params) {
    for (const auto& p : params)
        if (p.size() > 0) out.push_back(p);
}

/// y (rows x out) = x (rows x in, row-major) W + b, then relu when asked; plain loops whose result
/// for a row does not depend on the other rows (score() and recommend() agree exactly).
template <class T>
void dense_rows(const nn::dense<T>& layer, const T* x, std::size_t rows, T* y, bool relu) {
    const std::size_t in = layer.inputs(), out = layer.outputs();
    const T* w = layer.weight().data();
    const T* b = layer.bias().data();
    for (std::size_t r = 0; r < rows; ++r) {
        T* yr = y + r * out;
        for (std::size_t o = 0; o < out; ++o) yr[o] = layer.bias().size() ? b[o] : T(0);
        const T* xr = x + r * in;
        for (std::size_t k = 0; k < in; ++k) {
            const T a = xr[k];
            const T* wk = w + k * out;
            for (std::size_t o = 0; o < out; ++o) yr[o] += a * wk[o];
        }
        if (relu)
            for (std::size_t o = 0; o < out; ++o) yr[o] = std::max(yr[o], T(0));
    }
}

/// Reads an index column value of a training batch; raises argument_error unless it is an integer in [0, n).
template <class T>
std::size_t checked_index(T value, std::size_t n, std::size_t row, std::string_view model, std::string_view what) {
    if (!(value >= T(0)) || value != std::floor(value) || static_cast<double>(value) >= static_cast<double>(n))
        throw argument_error(causalrec::error_message("rec", model, what, " index ", static_cast<double>(value), " at row ", row,
                                                    " is not in [0, ", n, ")"));
    return static_cast<std::size_t>(value);
}

/// Where a saved recommender came from, for messages.
inline std::string source_of(const opened_recommender& f) { return f.file.source().empty() ? std::string("<memory>") : f.file.source(); }

/// The float tensor `name` of the expected shape with finite values; raises format_error otherwise.
inline std::vector<float> finite_tensor(const opened_recommender& f, std::string_view name, std::vector<std::size_t> shape) {
    std::vector<float> v = saved_values<float>(f, name, std::move(shape));
    for (float x : v)
        if (!std::isfinite(x))
            throw format_error(causalrec::cat(source_of(f), ": tensor '", name, "' has a non-finite value"));
    return v;
}

/// The training options shared by neumf_options and two_tower_options, under their keys in a model file.
template <class Options>
constexpr auto training_fields() noexcept {
    return std::tuple{field("negatives", &Options::negatives),   field("epochs", &Options::epochs),
                      field("batch_size", &Options::batch_size), field("learning_rate", &Options::learning_rate),
                      field("l2", &Options::l2),                 field("init_stddev", &Options::init_stddev),
                      field("validation_split", &Options::validation_split), field("verbose", &Options::verbose),
                      field("seed", &Options::seed)};
}

/// Reads the training options shared by neumf_options and two_tower_options from a saved model.
template <class Options>
void read_training_options(const opened_recommender& f, Options& o) {
    read_options(f, o, training_fields<Options>());
}

/// Writes the training options shared by neumf_options and two_tower_options.
template <class Options>
void write_training_options(nlohmann::json& j, const Options& o) {
    write_options(j, o, training_fields<Options>());
}

}  // namespace detail

}  // namespace causalrec::rec
