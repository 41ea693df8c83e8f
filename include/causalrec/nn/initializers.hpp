#pragma once
/// @file
/// Weight initialisers, drawing from an explicit engine.

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/compiler.hpp"
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
    orthogonal,      ///< orthonormal rows (fan_in <= fan_out) or columns, from a normal draw (Saxe et al. 2014; Keras's recurrent default)
};

/// The initialiser's name as written in model files.
inline std::string_view to_string(initializer init) noexcept {
    switch (init) {
        case initializer::glorot_uniform: return "glorot_uniform";
        case initializer::glorot_normal: return "glorot_normal";
        case initializer::he_uniform: return "he_uniform";
        case initializer::he_normal: return "he_normal";
        case initializer::zeros: return "zeros";
        case initializer::orthogonal: return "orthogonal";
    }
    return "unknown";
}

/// Parses an initialiser name; throws argument_error for an unknown one.
inline initializer initializer_from_string(std::string_view name) {
    for (auto init : {initializer::glorot_uniform, initializer::glorot_normal, initializer::he_uniform,
                      initializer::he_normal, initializer::zeros, initializer::orthogonal})
        if (to_string(init) == name) return init;
    throw argument_error(causalrec::error_message("nn", "initializer_from_string", "unknown initializer '", name, "'"));
}

/// Fills `values` (a fan_in x fan_out weight, any layout; row-major for orthogonal, whose size must then
/// be fan_in * fan_out) with draws of the given initialiser.
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
        case initializer::orthogonal: {
            // Modified Gram-Schmidt over the shorter side's vectors of a standard normal draw, in double.
            if (values.size() != fan_in * fan_out)
                throw argument_error(causalrec::error_message("nn", "initialize_weights", "orthogonal needs fan_in * fan_out = ",
                                                              fan_in * fan_out, " values, got ", values.size()));
            const bool rows = fan_in <= fan_out;
            const std::size_t count = rows ? fan_in : fan_out, length = rows ? fan_out : fan_in;
            std::vector<double> q(count * length);
            for (double& v : q) v = engine.normal();
            for (std::size_t i = 0; i < count; ++i) {
                double* qi = q.data() + i * length;
                for (std::size_t j = 0; j < i; ++j) {
                    const double* qj = q.data() + j * length;
                    double dot = 0;
                    for (std::size_t e = 0; e < length; ++e) dot += qi[e] * qj[e];
                    for (std::size_t e = 0; e < length; ++e) qi[e] -= dot * qj[e];
                }
                double norm = 0;
                for (std::size_t e = 0; e < length; ++e) norm += qi[e] * qi[e];
                norm = std::sqrt(norm);
                for (std::size_t e = 0; e < length; ++e) qi[e] = norm > 0 ? qi[e] / norm : 0.0;
            }
            for (std::size_t r = 0; r < fan_in; ++r)
                for (std::size_t c = 0; c < fan_out; ++c)
                    values[r * fan_out + c] = static_cast<T>(rows ? q[r * length + c] : q[c * length + r]);
            break;
        }
    }
}

/// Declares (`extern`) or defines (empty) the explicit instantiation of initialize_weights for value
/// type T (float and double are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_NN_INITIALIZER_INSTANTIATIONS(EXTERN, T) \
    EXTERN template void initialize_weights<T>(std::span<T>, std::size_t, std::size_t, initializer, rng&);

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_NN_INITIALIZER_INSTANTIATIONS(extern, float)
CAUSALREC_NN_INITIALIZER_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::nn
