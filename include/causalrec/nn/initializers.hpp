#pragma once
/// @file
/// Weight initialisers, drawing from an explicit engine.

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"

namespace causalrec::nn {

/// How a weight matrix of shape (fan_in, fan_out) is initialised.
enum class initializer {
    glorot_uniform,  ///< U(-a, a), a = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010; Keras's default)
    glorot_normal,   ///< N(0, 2 / (fan_in + fan_out))
    he_uniform,      ///< U(-a, a), a = sqrt(6 / fan_in) (He et al. 2015; for relu)
    he_normal,       ///< N(0, 2 / fan_in)
    zeros,           ///< all zero
};

/// The initialiser's name as written in model files.
inline std::string_view to_string(initializer init) noexcept {
    switch (init) {
        case initializer::glorot_uniform: return "glorot_uniform";
        case initializer::glorot_normal: return "glorot_normal";
        case initializer::he_uniform: return "he_uniform";
        case initializer::he_normal: return "he_normal";
        case initializer::zeros: return "zeros";
    }
    return "unknown";
}

/// Parses an initialiser name; throws argument_error for an unknown one.
inline initializer initializer_from_string(std::string_view name) {
    for (auto init : {initializer::glorot_uniform, initializer::glorot_normal, initializer::he_uniform,
                      initializer::he_normal, initializer::zeros})
        if (to_string(init) == name) return init;
    throw argument_error(causalrec::error_message("nn", "initializer_from_string", "unknown initializer '", name, "'"));
}

/// Fills `values` (a fan_in x fan_out weight, any layout) with draws of the given initialiser.
template <class T>
void initialize_weights(std::span<T> values, std::size_t fan_in, std::size_t fan_out, initializer init, rng& engine) {
    const double fin = static_cast<double>(fan_in), fout = static_cast<double>(fan_out);
    switch (init) {
        case initializer::glorot_uniform: {
            const double a = std::sqrt(6.0 / (fin + fout));
            for (T& v : values) v = static_cast<T>(engine.uniform(-a, a));
            break;
        }
        case initializer::glorot_normal: {
            const double s = std::sqrt(2.0 / (fin + fout));
            for (T& v : values) v = static_cast<T>(engine.normal(0.0, s));
            break;
        }
        case initializer::he_uniform: {
            const double a = std::sqrt(6.0 / fin);
            for (T& v : values) v = static_cast<T>(engine.uniform(-a, a));
            break;
        }
        case initializer::he_normal: {
            const double s = std::sqrt(2.0 / fin);
            for (T& v : values) v = static_cast<T>(engine.normal(0.0, s));
            break;
        }
        case initializer::zeros:
            for (T& v : values) v = T(0);
            break;
    }
}

}  // namespace causalrec::nn
