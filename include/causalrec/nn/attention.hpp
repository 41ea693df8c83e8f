#pragma once
/// @file
/// Multi-head scaled dot-product self-attention over a sequence batch in the (B * L) x d layout (row
/// b * L + t is position t of sequence b), with a causal mask (position t sees positions <= t), a
/// padding mask (rows marked as padding are never attended to and attend to nothing), attention
/// dropout and an optional output projection. Every product is a BLAS call into buffers the layer
/// owns: one GEMM per projection over all rows, and per sequence and head one GEMM for the scores
/// and one for the weighted values.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/blas.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/shape_cache.hpp"
#include "../core/tensor.hpp"
#include "fwd.hpp"
#include "initializers.hpp"

namespace causalrec::nn {

/// Options of self_attention.
struct attention_options {
    std::size_t heads = 1;                           ///< number of heads; divides the width
    double dropout = 0.0;                            ///< dropout on the attention weights in training, in [0, 1)
    bool causal = true;                              ///< position t attends to positions <= t only
    bool output_projection = true;                   ///< y = concat(heads) W_o + b_o; false: y = concat(heads) (the SASRec authors' code)
    initializer init = initializer::glorot_uniform;  ///< how W_q, W_k, W_v, W_o are drawn (biases start at zero)
    std::uint64_t seed = 0;                          ///< initial weights and the dropout stream
};

/// Multi-head scaled dot-product self-attention. Queries come from one input and keys and values
/// from another (the same one for forward(x)): Q = X_q W_q + b_q, K = X_k W_k + b_k, V = X_k W_v + b_v;
/// per sequence and head h, A_h = softmax(Q_h K_h^T / sqrt(d / heads) + mask) V_h; y = [A_1 .. A_H]
/// W_o + b_o. The input rows must be a whole number of sequences of sequence_length() positions.
template <class T>
class self_attention {
public:
    /// Value type of the layer.
    using value_type = T;

    /// Attention over rows of `width` features in sequences of `sequence_length` positions; raises
    /// argument_error when a size is 0, heads does not divide width, or dropout is outside [0, 1).
    self_attention(std::size_t width, std::size_t sequence_length, attention_options options = {})
        : o_(options), d_(width), L_(sequence_length), engine_(options.seed) {
        if (width == 0 || sequence_length == 0)
            throw argument_error(causalrec::cat("causalrec::nn::self_attention: width and sequence_length must be positive, got ", width,
                                                " and ", sequence_length));
        if (o_.heads == 0 || width % o_.heads != 0)
            throw argument_error(causalrec::cat("causalrec::nn::self_attention: heads (", o_.heads, ") must divide the width (", width, ")"));
        if (!(o_.dropout >= 0.0 && o_.dropout < 1.0))
            throw argument_error(causalrec::cat("causalrec::nn::self_attention: dropout must be in [0, 1), got ", o_.dropout));
        const std::size_t projections = o_.output_projection ? 4 : 3;
        weights_.assign(projections, std::vector<T>(d_ * d_));
        biases_.assign(projections, std::vector<T>(d_));
        grad_weights_.assign(projections, std::vector<T>(d_ * d_));
        grad_biases_.assign(projections, std::vector<T>(d_));
        weight_shape_ = {d_, d_};
        bias_shape_ = {d_};
        rng engine(options.seed);
        initialize(engine);
    }

    /// Draws new weights from `engine` (biases reset to zero) and restarts the dropout stream.
    void initialize(rng& engine) {
        for (auto& w : weights_) initialize_weights(std::span<T>(w), d_, d_, o_.init, engine);
        for (auto& b : biases_) std::fill(b.begin(), b.end(), T(0));
        engine_ = engine.split();
    }

    /// Positions per sequence; raises argument_error for 0.
    void set_sequence_length(std::size_t length) {
        if (length == 0) throw argument_error("causalrec::nn::self_attention: sequence_length must be positive");
        L_ = length;
    }
    /// Positions per sequence.
    std::size_t sequence_length() const noexcept { return L_; }

    /// Marks the rows of the next forward calls: real[r] != 0 for a real position, 0 for padding
    /// (copied; empty = every row real). A padding row is never attended to, and its own attention
    /// output is zero (plus b_o with the output projection).
    void set_padding_mask(std::span<const std::uint8_t> real) { real_.assign(real.begin(), real.end()); }

    /// Packed batches: the next forward calls take sequences of the given lengths one after another
    /// (sequence b's rows follow sequence b - 1's; no padding rows, no padding mask), so a batch of
    /// short histories costs its real rows only: position-wise work scales with the sum of the
    /// lengths, attention with the sum of their squares. Empty = sequences of sequence_length() rows.
    void set_sequence_lengths(std::span<const std::size_t> lengths) { lengths_.assign(lengths.begin(), lengths.end()); }

    /// Self-attention: queries, keys and values all from x ((B * L) x width).
    const matrix<T>& forward(const matrix<T>& x) {
        single_input_ = true;
        return run_forward(x, x);
    }

    /// Queries from `queries`, keys and values from `keys` (same shape; SASRec normalises the
    /// queries only). backward then returns dL/dqueries and key_gradient() holds dL/dkeys.
    const matrix<T>& forward(const matrix<T>& queries, const matrix<T>& keys) {
        single_input_ = false;
        return run_forward(queries, keys);
    }

    /// Given dL/dy, stores the parameter gradients and returns dL/dx (forward(x)) or dL/dqueries
    /// (forward(queries, keys)).
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (xq_ == nullptr) throw argument_error("causalrec::nn::self_attention: backward called before forward");
        const std::size_t N = xq_->shape()[0], d = d_, H = o_.heads, dh = d / H;
        if (grad_output.shape()[0] != N || grad_output.shape()[1] != d)
            throw shape_error(causalrec::cat("causalrec::nn::self_attention: gradient has shape (", grad_output.shape()[0], ", ",
                                             grad_output.shape()[1], "), the output was (", N, ", ", d, ")"));
        const T* dy = grad_output.data();
        // dO: through the output projection, or dY itself.
        const T* dO = dy;
        if (o_.output_projection) {
            blas::gemm(true, false, d, d, N, T(1), attended_.data(), d, dy, d, T(0), grad_weights_[3].data(), d);
            column_sums(dy, N, grad_biases_[3].data());
            d_attended_.resize(N * d);
            blas::gemm(false, true, N, d, d, T(1), dy, d, weights_[3].data(), d, T(0), d_attended_.data(), d);
            dO = d_attended_.data();
        }
        dq_.resize(N * d), dk_.resize(N * d), dv_.resize(N * d);
        const T scale = T(1) / std::sqrt(static_cast<T>(dh));
        for (const segment& seg : segments_)
            for (std::size_t h = 0; h < H; ++h) {
                const std::size_t n = seg.length, at = seg.first * d + h * dh, w = seg.weights + h * n * n;
                if (n == 0) continue;
                dp_.resize(std::max(dp_.size(), n * n));
                const T* p = weights_buffer_.data() + w;
                const T* pd = dropped_.empty() ? p : dropped_.data() + w;
                // dPd = dO_bh V_bh^T; dV_bh = Pd^T dO_bh
                blas::gemm(false, true, n, n, dh, T(1), dO + at, d, v_.data() + at, d, T(0), dp_.data(), n);
                blas::gemm(true, false, n, dh, n, T(1), pd, n, dO + at, d, T(0), dv_.data() + at, d);
                // Through dropout, then the softmax: dS = P * (dP - rowsum(P * dP)), times the scale.
                if (pd != p) {
                    const T* m = mask_.data() + w;
                    for (std::size_t k = 0; k < n * n; ++k) dp_[k] *= m[k];
                }
                for (std::size_t i = 0; i < n; ++i) {
                    const T* pr = p + i * n;
                    T* g = dp_.data() + i * n;
                    T dot = 0;
                    for (std::size_t j = 0; j < n; ++j) dot += pr[j] * g[j];
                    for (std::size_t j = 0; j < n; ++j) g[j] = pr[j] * (g[j] - dot) * scale;
                }
                // dQ_bh = dS K_bh; dK_bh = dS^T Q_bh
                blas::gemm(false, false, n, dh, n, T(1), dp_.data(), n, k_.data() + at, d, T(0), dq_.data() + at, d);
                blas::gemm(true, false, n, dh, n, T(1), dp_.data(), n, q_.data() + at, d, T(0), dk_.data() + at, d);
            }
        // Projections: dW = X^T dZ, db = column sums, dX = dZ W^T.
        const matrix<T>& xq = *xq_;
        const matrix<T>& xk = *xk_;
        blas::gemm(true, false, d, d, N, T(1), xq.data(), d, dq_.data(), d, T(0), grad_weights_[0].data(), d);
        blas::gemm(true, false, d, d, N, T(1), xk.data(), d, dk_.data(), d, T(0), grad_weights_[1].data(), d);
        blas::gemm(true, false, d, d, N, T(1), xk.data(), d, dv_.data(), d, T(0), grad_weights_[2].data(), d);
        column_sums(dq_.data(), N, grad_biases_[0].data());
        column_sums(dk_.data(), N, grad_biases_[1].data());
        column_sums(dv_.data(), N, grad_biases_[2].data());
        matrix<T>& dxq = query_grad_.get(N, d);
        matrix<T>& dxk = key_grad_.get(N, d);
        blas::gemm(false, true, N, d, d, T(1), dq_.data(), d, weights_[0].data(), d, T(0), dxq.data(), d);
        blas::gemm(false, true, N, d, d, T(1), dk_.data(), d, weights_[1].data(), d, T(0), dxk.data(), d);
        blas::gemm(false, true, N, d, d, T(1), dv_.data(), d, weights_[2].data(), d, T(1), dxk.data(), d);
        last_key_grad_ = &dxk;
        if (single_input_) {
            T* out = dxq.data();
            const T* add = dxk.data();
            for (std::size_t k = 0; k < N * d; ++k) out[k] += add[k];
        }
        return dxq;
    }

    /// dL/dkeys of the last backward after forward(queries, keys).
    const matrix<T>& key_gradient() {
        if (single_input_) throw argument_error("causalrec::nn::self_attention: key_gradient is for forward(queries, keys)");
        if (last_key_grad_ == nullptr) throw argument_error("causalrec::nn::self_attention: key_gradient called before backward");
        return *last_key_grad_;
    }

    /// The attention weights of the last forward (before dropout): for sequence b and head h, an n x n
    /// row-major block (n = L, or the sequence's length in a packed batch); row i holds position i's
    /// weights over positions 0..n-1.
    std::span<const T> attention_weights(std::size_t sequence, std::size_t head) const {
        if (sequence >= segments_.size() || head >= o_.heads)
            throw argument_error(causalrec::cat("causalrec::nn::self_attention: no weights for sequence ", sequence, ", head ", head));
        const segment& seg = segments_[sequence];
        return {weights_buffer_.data() + seg.weights + head * seg.length * seg.length, seg.length * seg.length};
    }

    /// W_q, b_q, W_k, b_k, W_v, b_v (and W_o, b_o with the output projection), with their gradients.
    std::vector<parameter_view<T>> parameters() {
        static constexpr const char* names[4][2] = {{"query_weight", "query_bias"}, {"key_weight", "key_bias"},
                                                    {"value_weight", "value_bias"}, {"output_weight", "output_bias"}};
        std::vector<parameter_view<T>> views;
        for (std::size_t p = 0; p < weights_.size(); ++p) {
            views.push_back({names[p][0], std::span<T>(weights_[p]), std::span<T>(grad_weights_[p]), weight_shape_});
            views.push_back({names[p][1], std::span<T>(biases_[p]), std::span<T>(grad_biases_[p]), bias_shape_});
        }
        return views;
    }

    /// Training mode applies attention dropout.
    void set_training(bool training) noexcept { training_ = training; }
    /// Whether the layer is in training mode.
    bool training() const noexcept { return training_; }

    /// The architecture: {"type": "self_attention", "width", "sequence_length", "heads", "dropout",
    /// "causal", "output_projection", "init"}.
    template <class Json = nlohmann::json>
    Json config() const {
        return {{"type", "self_attention"}, {"width", d_}, {"sequence_length", L_}, {"heads", o_.heads},
                {"dropout", o_.dropout}, {"causal", o_.causal}, {"output_projection", o_.output_projection},
                {"init", std::string(to_string(o_.init))}};
    }

    /// Features per row.
    std::size_t width() const noexcept { return d_; }
    /// The options.
    const attention_options& options() const noexcept { return o_; }

private:
    const matrix<T>& run_forward(const matrix<T>& xq, const matrix<T>& xk) {
        const std::size_t N = xq.shape()[0], d = d_, H = o_.heads, dh = d / H, L = L_;
        if (xq.shape()[1] != d || xk.shape()[1] != d || xk.shape()[0] != N)
            throw shape_error(causalrec::cat("causalrec::nn::self_attention: inputs of shape (", N, ", ", xq.shape()[1], ") and (",
                                             xk.shape()[0], ", ", xk.shape()[1], "), the layer expects two (rows, ", d, ")"));
        // The sequences' rows and weight blocks: fixed length L, or the packed lengths.
        segments_.clear();
        std::size_t weights = 0;
        if (lengths_.empty()) {
            if (N % L != 0)
                throw shape_error(causalrec::cat("causalrec::nn::self_attention: ", N, " rows are not a whole number of sequences of ", L,
                                                 " positions"));
            for (std::size_t b = 0; b < N / L; ++b, weights += H * L * L) segments_.push_back({b * L, L, weights});
        } else {
            std::size_t first = 0;
            for (const std::size_t n : lengths_) {
                segments_.push_back({first, n, weights});
                first += n, weights += H * n * n;
            }
            if (first != N)
                throw shape_error(causalrec::cat("causalrec::nn::self_attention: the packed lengths add up to ", first, " rows, the input has ", N));
            if (!real_.empty()) throw argument_error("causalrec::nn::self_attention: a packed batch has no padding mask");
        }
        if (!real_.empty() && real_.size() != N)
            throw shape_error(causalrec::cat("causalrec::nn::self_attention: the padding mask has ", real_.size(), " rows, the input ", N));
        q_.resize(N * d), k_.resize(N * d), v_.resize(N * d), attended_.resize(N * d);
        project(xq.data(), N, 0, q_.data());
        project(xk.data(), N, 1, k_.data());
        project(xk.data(), N, 2, v_.data());
        weights_buffer_.resize(weights);
        const bool drop = training_ && o_.dropout > 0.0;
        mask_.resize(drop ? weights : 0);
        dropped_.resize(drop ? weights : 0);
        const T scale = T(1) / std::sqrt(static_cast<T>(dh));
        const T keep = static_cast<T>(1.0 / (1.0 - o_.dropout));
        for (const segment& seg : segments_)
            for (std::size_t h = 0; h < H; ++h) {
                const std::size_t n = seg.length, at = seg.first * d + h * dh, w = seg.weights + h * n * n;
                if (n == 0) continue;
                T* s = weights_buffer_.data() + w;
                blas::gemm(false, true, n, n, dh, scale, q_.data() + at, d, k_.data() + at, d, T(0), s, n);
                for (std::size_t i = 0; i < n; ++i) softmax_row(s + i * n, seg.first, i, n);
                const T* p = s;
                if (drop) {
                    T* m = mask_.data() + w;
                    T* pd = dropped_.data() + w;
                    for (std::size_t k = 0; k < n * n; ++k) {
                        m[k] = engine_.uniform() < o_.dropout ? T(0) : keep;
                        pd[k] = s[k] * m[k];
                    }
                    p = pd;
                }
                blas::gemm(false, false, n, dh, n, T(1), p, n, v_.data() + at, d, T(0), attended_.data() + at, d);
            }
        xq_ = &xq, xk_ = &xk;
        if (!o_.output_projection) {
            matrix<T>& y = output_.get(N, d);
            std::copy(attended_.begin(), attended_.end(), y.begin());
            return y;
        }
        matrix<T>& y = output_.get(N, d);
        project(attended_.data(), N, 3, y.data());
        return y;
    }

    // Z = X W_p + b_p for N rows.
    void project(const T* x, std::size_t N, std::size_t p, T* z) const {
        blas::gemm(false, false, N, d_, d_, T(1), x, d_, weights_[p].data(), d_, T(0), z, d_);
        const T* bias = biases_[p].data();
        for (std::size_t r = 0; r < N; ++r)
            for (std::size_t j = 0; j < d_; ++j) z[r * d_ + j] += bias[j];
    }

    // Masked softmax of query row i of a sequence of L rows starting at row `first`, in place.
    void softmax_row(T* s, std::size_t first, std::size_t i, std::size_t L) const {
        const std::size_t end = o_.causal ? i + 1 : L;
        const bool masked = !real_.empty();
        if (masked && real_[first + i] == 0) {
            std::fill_n(s, L, T(0));
            return;
        }
        T top = -std::numeric_limits<T>::infinity();
        for (std::size_t j = 0; j < end; ++j)
            if (!masked || real_[first + j] != 0) top = std::max(top, s[j]);
        T sum = 0;
        for (std::size_t j = 0; j < L; ++j) {
            const bool allowed = j < end && (!masked || real_[first + j] != 0);
            s[j] = allowed ? std::exp(s[j] - top) : T(0);
            sum += s[j];
        }
        if (sum > T(0)) {
            const T inv = T(1) / sum;
            for (std::size_t j = 0; j < L; ++j) s[j] *= inv;
        }
    }

    void column_sums(const T* z, std::size_t N, T* out) const {
        std::fill_n(out, d_, T(0));
        for (std::size_t r = 0; r < N; ++r)
            for (std::size_t j = 0; j < d_; ++j) out[j] += z[r * d_ + j];
    }

    // One sequence of the last forward: its first row, its rows, and where its heads' weight blocks start.
    struct segment {
        std::size_t first, length, weights;
    };

    attention_options o_;
    std::size_t d_, L_;
    rng engine_;
    std::vector<std::vector<T>> weights_, biases_, grad_weights_, grad_biases_;
    std::array<std::size_t, 2> weight_shape_{};
    std::array<std::size_t, 1> bias_shape_{};
    std::vector<std::uint8_t> real_{};
    std::vector<std::size_t> lengths_{};
    std::vector<segment> segments_{};
    std::vector<T> q_{}, k_{}, v_{}, attended_{}, weights_buffer_{}, mask_{}, dropped_{};
    std::vector<T> d_attended_{}, dq_{}, dk_{}, dv_{}, dp_{};
    shape_cache<T> output_, query_grad_, key_grad_;
    const matrix<T>* xq_ = nullptr;
    const matrix<T>* xk_ = nullptr;
    const matrix<T>* last_key_grad_ = nullptr;
    bool single_input_ = true;
    bool training_ = false;
};

}  // namespace causalrec::nn
