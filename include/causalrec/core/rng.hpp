#pragma once
/// @file
/// The library's random engine. Every random component takes one explicitly; there is no global RNG.
/// The engine and its distributions are implemented here (not taken from `<random>`) so that the same
/// seed gives the same numbers with libstdc++, libc++ and MSVC alike.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "compiler.hpp"

namespace causalrec {

/// xoshiro256** engine (Blackman & Vigna 2018) seeded through splitmix64, with portable distributions.
/// Satisfies std::uniform_random_bit_generator, so it can also drive `<random>` distributions.
class rng {
public:
    using result_type = std::uint64_t;  ///< the type of a draw (64 random bits)

    /// Seeds the engine; equal seeds give equal streams on every platform.
    explicit rng(std::uint64_t seed = 0x5eed) noexcept { reseed(seed); }

    /// Restarts the stream from a seed.
    void reseed(std::uint64_t seed) noexcept {
        std::uint64_t x = seed;
        for (auto& s : state_) s = splitmix64(x);
        has_spare_normal_ = false;
    }

    /// The smallest value operator() returns (0).
    static constexpr result_type min() noexcept { return 0; }
    /// The largest value operator() returns (2^64 - 1).
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    /// Next raw 64-bit value.
    result_type operator()() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform double in [0, 1) with 53 random bits.
    double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

    /// Uniform double in [low, high).
    double uniform(double low, double high) noexcept { return low + (high - low) * uniform(); }

    /// Uniform integer in [0, n) without modulo bias (Lemire's method); n must be > 0.
    std::uint64_t uniform_index(std::uint64_t n) noexcept {
        unsigned __int128 m = static_cast<unsigned __int128>((*this)()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<unsigned __int128>((*this)()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

    /// Standard normal draw (Marsaglia polar method; the second value of each pair is kept).
    double normal() noexcept {
        if (has_spare_normal_) {
            has_spare_normal_ = false;
            return spare_normal_;
        }
        double u, v, s;
        do {
            u = 2.0 * uniform() - 1.0;
            v = 2.0 * uniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        const double f = std::sqrt(-2.0 * std::log(s) / s);
        spare_normal_ = v * f;
        has_spare_normal_ = true;
        return u * f;
    }

    /// Normal draw with the given mean and standard deviation.
    double normal(double mean, double stddev) noexcept { return mean + stddev * normal(); }

    /// True with probability p.
    bool bernoulli(double p) noexcept { return uniform() < p; }

    /// Shuffles a span in place (Fisher-Yates, portable order). The random positions are drawn a
    /// block ahead of the swaps and their elements prefetched: on arrays larger than the caches each
    /// swap would otherwise wait for memory.
    template <class T>
    void shuffle(std::span<T> values) noexcept {
        constexpr std::size_t block = 32;
        std::size_t buffers[2][block];
        std::size_t* ahead = buffers[0];
        std::size_t* now = buffers[1];
        std::size_t i = values.size();  // the next swap is values[i - 1] with a position below i
        auto draw = [&](std::size_t from, std::size_t* into) {  // positions for the swaps at from, from - 1, ...
            const std::size_t m = from > 1 ? std::min(block, from - 1) : 0;
            for (std::size_t t = 0; t < m; ++t) {
                into[t] = static_cast<std::size_t>(uniform_index(from - t));
                CAUSALREC_PREFETCH(values.data() + into[t], 1);
            }
            return m;
        };
        std::size_t m = draw(i, ahead);
        while (m > 0) {
            std::swap(ahead, now);
            const std::size_t next = draw(i - m, ahead);
            for (std::size_t t = 0; t < m; ++t) std::swap(values[i - 1 - t], values[now[t]]);
            i -= m;
            m = next;
        }
    }

    /// A random permutation of 0..n-1.
    std::vector<std::size_t> permutation(std::size_t n) {
        std::vector<std::size_t> p(n);
        std::iota(p.begin(), p.end(), std::size_t{0});
        shuffle(std::span<std::size_t>(p));
        return p;
    }

    /// An independent engine: a copy of this one advanced by 2^128 steps, after which this one
    /// is advanced too, so successive calls give non-overlapping streams.
    rng split() noexcept {
        rng child = *this;
        child.has_spare_normal_ = false;
        jump();
        return child;
    }

    /// Advances the engine by 2^128 steps (xoshiro256 jump polynomial).
    void jump() noexcept {
        static constexpr std::uint64_t jump_poly[] = {0x180ec6d33cfd0aba, 0xd5a61266f0c9392c,
                                                      0xa9582618e03fc9aa, 0x39abdc4529b1661c};
        std::uint64_t s[4] = {0, 0, 0, 0};
        for (std::uint64_t word : jump_poly) {
            for (int b = 0; b < 64; ++b) {
                if (word & (std::uint64_t{1} << b)) {
                    for (int k = 0; k < 4; ++k) s[k] ^= state_[k];
                }
                (*this)();
            }
        }
        for (int k = 0; k < 4; ++k) state_[k] = s[k];
        has_spare_normal_ = false;
    }

    /// The engine's whole state: the stream continues from it after set_state (saving a policy).
    struct state_type {
        std::uint64_t words[4]{};          ///< the xoshiro256 state
        double spare_normal = 0.0;         ///< the kept second value of the last normal pair
        bool has_spare_normal = false;     ///< whether spare_normal is pending
    };

    /// The current state.
    state_type state() const noexcept {
        state_type s;
        for (int k = 0; k < 4; ++k) s.words[k] = state_[k];
        s.spare_normal = spare_normal_;
        s.has_spare_normal = has_spare_normal_;
        return s;
    }

    /// Continues the stream from a saved state.
    void set_state(const state_type& s) noexcept {
        for (int k = 0; k < 4; ++k) state_[k] = s.words[k];
        spare_normal_ = s.spare_normal;
        has_spare_normal_ = s.has_spare_normal;
    }

    /// Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 through Gamma(shape + 1) U^(1/shape)); shape > 0.
    double gamma(double shape) noexcept {
        if (shape < 1.0) {
            const double u = uniform();
            return gamma(shape + 1.0) * std::pow(u > 0.0 ? u : 0x1.0p-53, 1.0 / shape);
        }
        const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
        for (;;) {
            double x, v;
            do {
                x = normal();
                v = 1.0 + c * x;
            } while (v <= 0.0);
            v = v * v * v;
            const double u = uniform();
            if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
            if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
        }
    }

    /// Beta(a, b) draw (a ratio of gamma draws); a, b > 0.
    double beta(double a, double b) noexcept {
        const double x = gamma(a), y = gamma(b);
        return x + y > 0.0 ? x / (x + y) : 0.5;
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4]{};
    double spare_normal_ = 0.0;
    bool has_spare_normal_ = false;
};

}  // namespace causalrec
