#pragma once
/// @file
/// Recurrent layers over a sequence batch in the (B * L) x d layout (row b * L + t is step t of
/// sequence b): a GRU (Cho et al. 2014, PyTorch's gate convention) and an LSTM (Hochreiter &
/// Schmidhuber 1997, gates i, f, g, o as in PyTorch). The input projections of all steps are one GEMM
/// before the time loop, each step's recurrent projection is one GEMM over the B sequences (reading
/// the previous step's rows in place, leading dimension L * width), and the weight gradients are one
/// GEMM each after the loop. With carry_state the final states of one forward call start the next
/// (truncated back-propagation through time: the gradient stops at the call boundary).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/blas.hpp"
#include "../core/error.hpp"
#include "../core/math.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/shape_cache.hpp"
#include "../core/tensor.hpp"
#include "fwd.hpp"
#include "initializers.hpp"

namespace causalrec::nn {

/// Options of gru and lstm.
struct recurrent_options {
    std::size_t sequence_length = 1;                      ///< steps per sequence L in a batch (rows = B * L)
    bool return_sequences = true;                         ///< output every step's state ((B * L) x hidden); false: the last step's (B x hidden)
    bool carry_state = false;                             ///< start each forward from the previous call's final states (truncated BPTT)
    initializer init = initializer::glorot_uniform;       ///< input weights W_ih (biases start at zero)
    initializer recurrent_init = initializer::orthogonal; ///< recurrent weights W_hh
    std::uint64_t seed = 0;                               ///< initial weights
};

namespace detail {

/// The GRU's step equations for recurrent<T, gru_cell<T>> (gate blocks r, z, n; PyTorch's convention).
template <class T>
struct gru_cell {
    static constexpr const char* name = "gru";  ///< type in messages and configs
    static constexpr std::size_t gates = 3;     ///< gate blocks
    static constexpr bool has_cell = false;     ///< no cell state

    /// One real row: xr = x W_ih + b_ih and hr = h W_hh + b_hh (3H each), hp = h_{t-1}; writes the gates,
    /// h_t and aux = h W_hn + b_hn (kept for backward).
    static void forward(std::size_t H, const T* xr, const T* hr, const T* hp, const T*, T* gates, T* h, T*, T* aux) noexcept {
        for (std::size_t j = 0; j < H; ++j) {
            const T r = causalrec::sigmoid(xr[j] + hr[j]);
            const T z = causalrec::sigmoid(xr[H + j] + hr[H + j]);
            const T n = std::tanh(xr[2 * H + j] + r * hr[2 * H + j]);
            gates[j] = r;
            gates[H + j] = z;
            gates[2 * H + j] = n;
            aux[j] = hr[2 * H + j];
            h[j] = (T(1) - z) * n + z * hp[j];
        }
    }

    /// One real row backward: dh holds dL/dh_t and leaves with the direct part of dL/dh_{t-1} (z * dh);
    /// writes dL/d(x W_ih + b_ih) to dxg and dL/d(h W_hh + b_hh) to dhg.
    static void backward(std::size_t H, const T* gates, const T* aux, const T* hp, const T*, T* dh, T*, T* dxg, T* dhg) noexcept {
        for (std::size_t j = 0; j < H; ++j) {
            const T r = gates[j], z = gates[H + j], n = gates[2 * H + j];
            const T dan = dh[j] * (T(1) - z) * (T(1) - n * n);
            const T dar = dan * aux[j] * r * (T(1) - r);
            const T daz = dh[j] * (hp[j] - n) * z * (T(1) - z);
            dxg[j] = dhg[j] = dar;
            dxg[H + j] = dhg[H + j] = daz;
            dxg[2 * H + j] = dan;
            dhg[2 * H + j] = dan * r;
            dh[j] *= z;  // the direct path h' <- z * h
        }
    }
};

/// The LSTM's step equations for recurrent<T, lstm_cell<T>> (gate blocks i, f, g, o; PyTorch's convention).
template <class T>
struct lstm_cell {
    static constexpr const char* name = "lstm";  ///< type in messages and configs
    static constexpr std::size_t gates = 4;      ///< gate blocks
    static constexpr bool has_cell = true;       ///< a cell state c besides h

    /// One real row: writes the gates, c_t, h_t and aux = tanh(c_t).
    static void forward(std::size_t H, const T* xr, const T* hr, const T*, const T* cp, T* gates, T* h, T* c, T* aux) noexcept {
        for (std::size_t j = 0; j < H; ++j) {
            const T i = causalrec::sigmoid(xr[j] + hr[j]);
            const T f = causalrec::sigmoid(xr[H + j] + hr[H + j]);
            const T g = std::tanh(xr[2 * H + j] + hr[2 * H + j]);
            const T o = causalrec::sigmoid(xr[3 * H + j] + hr[3 * H + j]);
            gates[j] = i;
            gates[H + j] = f;
            gates[2 * H + j] = g;
            gates[3 * H + j] = o;
            c[j] = f * cp[j] + i * g;
            aux[j] = std::tanh(c[j]);
            h[j] = o * aux[j];
        }
    }

    /// One real row backward: dh and dc hold dL/dh_t and dL/dc_t (from later steps); dh leaves at zero
    /// (its recurrent part comes from dhg) and dc with dL/dc_{t-1}.
    static void backward(std::size_t H, const T* gates, const T* aux, const T*, const T* cp, T* dh, T* dc, T* dxg, T* dhg) noexcept {
        for (std::size_t j = 0; j < H; ++j) {
            const T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
            const T dct = dc[j] + dh[j] * o * (T(1) - aux[j] * aux[j]);
            dxg[j] = dhg[j] = dct * g * i * (T(1) - i);
            dxg[H + j] = dhg[H + j] = dct * cp[j] * f * (T(1) - f);
            dxg[2 * H + j] = dhg[2 * H + j] = dct * i * (T(1) - g * g);
            dxg[3 * H + j] = dhg[3 * H + j] = dh[j] * aux[j] * o * (T(1) - o);
            dc[j] = dct * f;
            dh[j] = T(0);
        }
    }
};

}  // namespace detail

/// A recurrent layer over sequences of `sequence_length` steps; nn::gru<T> and nn::lstm<T> (aliases
/// declared in nn/fwd.hpp) name its two cells.
/// Weights: W_ih (inputs x G * hidden), W_hh (hidden x G * hidden), b_ih and b_hh (G * hidden), the
/// G gate blocks side by side in the columns. The states start at zero (or at the carried ones); a
/// padding step (set_padding_mask) keeps them unchanged and gets no gradient.
template <class T, class Cell>
class recurrent {
public:
    /// Value type of the layer.
    using value_type = T;

    /// A layer from `inputs` features to `hidden` state values; raises argument_error for a zero size.
    recurrent(std::size_t inputs, std::size_t hidden, recurrent_options options = {})
        : o_(options), in_(inputs), H_(hidden), w_ih_(inputs * G * hidden), w_hh_(hidden * G * hidden), b_ih_(G * hidden), b_hh_(G * hidden),
          g_w_ih_(w_ih_.size()), g_w_hh_(w_hh_.size()), g_b_ih_(b_ih_.size()), g_b_hh_(b_hh_.size()), ih_shape_{inputs, G * hidden},
          hh_shape_{hidden, G * hidden}, b_shape_{G * hidden} {
        if (inputs == 0 || hidden == 0)
            throw argument_error(causalrec::cat("causalrec::nn::", Cell::name, ": inputs and hidden must be positive, got ", inputs, " and ", hidden));
        set_sequence_length(o_.sequence_length);
        rng engine(options.seed);
        initialize(engine);
    }

    /// Draws new weights from `engine` (biases reset to zero).
    void initialize(rng& engine) {
        initialize_weights(std::span<T>(w_ih_), in_, G * H_, o_.init, engine);
        initialize_weights(std::span<T>(w_hh_), H_, G * H_, o_.recurrent_init, engine);
        std::fill(b_ih_.begin(), b_ih_.end(), T(0));
        std::fill(b_hh_.begin(), b_hh_.end(), T(0));
    }

    /// Runs the sequences of x ((B * L) x inputs); returns every step's h ((B * L) x hidden) or,
    /// without return_sequences, the last step's (B x hidden). Lives in the layer until the next call.
    const matrix<T>& forward(const matrix<T>& x) {
        const std::size_t B = sequences_of(x), L = o_.sequence_length, N = B * L, H = H_, GH = G * H;
        T* xg = xg_.get(N, GH).data();
        blas::gemm(false, false, N, GH, in_, T(1), x.data(), in_, w_ih_.data(), GH, T(0), xg, GH);
        add_rows(xg, N, b_ih_);
        T* gates = gates_.get(N, GH).data();
        T* aux = aux_.get(N, H).data();
        T* hprev = hprev_.get(N, H).data();
        T* states = states_.get(N, H).data();
        T* cprev = Cell::has_cell ? cprev_.get(N, H).data() : nullptr;
        T* cells = Cell::has_cell ? cells_.get(N, H).data() : nullptr;
        T* hg = step_.get(B, GH).data();
        initial_state(B, state_, start_);
        if constexpr (Cell::has_cell) initial_state(B, cell_state_, cell_start_);
        for (std::size_t t = 0; t < L; ++t) {
            for (std::size_t b = 0; b < B; ++b) {  // h_{t-1} (and c_{t-1}) of each sequence, kept for backward and dW_hh
                const std::size_t row = b * L + t;
                std::copy_n(t == 0 ? start_.data() + b * H : states + (row - 1) * H, H, hprev + row * H);
                if constexpr (Cell::has_cell) std::copy_n(t == 0 ? cell_start_.data() + b * H : cells + (row - 1) * H, H, cprev + row * H);
            }
            // hg = h_{t-1} W_hh + b_hh for the B sequences (rows of step t at stride L * H)
            blas::gemm(false, false, B, GH, H, T(1), hprev + t * H, L * H, w_hh_.data(), GH, T(0), hg, GH);
            add_rows(hg, B, b_hh_);
            for (std::size_t b = 0; b < B; ++b) {
                const std::size_t row = b * L + t;
                T* c = Cell::has_cell ? cells + row * H : nullptr;
                const T* cp = Cell::has_cell ? cprev + row * H : nullptr;
                if (!is_real(row)) {
                    std::copy_n(hprev + row * H, H, states + row * H);
                    if constexpr (Cell::has_cell) std::copy_n(cp, H, c);
                    continue;
                }
                Cell::forward(H, xg + row * GH, hg + b * GH, hprev + row * H, cp, gates + row * GH, states + row * H, c, aux + row * H);
            }
        }
        last_steps(states, B, state_);
        if constexpr (Cell::has_cell) last_steps(cells, B, cell_state_);
        input_ = &x;
        if (o_.return_sequences) return states_.get(N, H);
        matrix<T>& last = last_.get(B, H);
        std::copy(state_.begin(), state_.end(), last.data());
        return last;
    }

    /// Given dL/dy, stores the weight gradients and returns dL/dx ((B * L) x inputs). The gradient
    /// does not reach the initial (carried) states.
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (input_ == nullptr) throw argument_error(causalrec::cat("causalrec::nn::", Cell::name, ": backward called before forward"));
        const std::size_t N = input_->shape()[0], L = o_.sequence_length, B = N / L, H = H_, GH = G * H;
        const std::size_t rows = o_.return_sequences ? N : B;
        if (grad_output.shape()[0] != rows || grad_output.shape()[1] != H)
            throw shape_error(causalrec::cat("causalrec::nn::", Cell::name, ": gradient has shape (", grad_output.shape()[0], ", ",
                                             grad_output.shape()[1], "), the output was (", rows, ", ", H, ")"));
        const T* gates = gates_.get(N, GH).data();
        const T* aux = aux_.get(N, H).data();
        const T* hprev = hprev_.get(N, H).data();
        const T* cprev = Cell::has_cell ? cprev_.get(N, H).data() : nullptr;
        T* dxg = dxg_.get(N, GH).data();
        T* dhg = dhg_.get(N, GH).data();
        dh_next_.assign(B * H, T(0));
        dc_next_.assign(Cell::has_cell ? B * H : 0, T(0));
        for (std::size_t t = L; t-- > 0;) {
            for (std::size_t b = 0; b < B; ++b) {
                const std::size_t row = b * L + t;
                T* dh = dh_next_.data() + b * H;
                const T* dy = o_.return_sequences ? grad_output.data() + row * H : (t + 1 == L ? grad_output.data() + b * H : nullptr);
                if (dy != nullptr)
                    for (std::size_t j = 0; j < H; ++j) dh[j] += dy[j];
                if (!is_real(row)) {  // the states passed through unchanged, and so does their gradient
                    std::fill_n(dxg + row * GH, GH, T(0));
                    std::fill_n(dhg + row * GH, GH, T(0));
                    continue;
                }
                Cell::backward(H, gates + row * GH, aux + row * H, hprev + row * H, Cell::has_cell ? cprev + row * H : nullptr, dh,
                               Cell::has_cell ? dc_next_.data() + b * H : nullptr, dxg + row * GH, dhg + row * GH);
            }
            // dL/dh_{t-1} += dhg_t W_hh^T (rows of step t at stride L * G * H)
            blas::gemm(false, true, B, H, GH, T(1), dhg + t * GH, L * GH, w_hh_.data(), GH, T(1), dh_next_.data(), H);
        }
        // One GEMM each over all steps: dW_ih = x^T dxg, dW_hh = hprev^T dhg, dx = dxg W_ih^T.
        blas::gemm(true, false, in_, GH, N, T(1), input_->data(), in_, dxg, GH, T(0), g_w_ih_.data(), GH);
        blas::gemm(true, false, H, GH, N, T(1), hprev, H, dhg, GH, T(0), g_w_hh_.data(), GH);
        column_sums(dxg, N, g_b_ih_);
        column_sums(dhg, N, g_b_hh_);
        matrix<T>& dx = input_grad_.get(N, in_);
        blas::gemm(false, true, N, in_, GH, T(1), dxg, GH, w_ih_.data(), GH, T(0), dx.data(), in_);
        return dx;
    }

    /// W_ih, W_hh, b_ih, b_hh with their gradients.
    std::vector<parameter_view<T>> parameters() {
        return {parameter_view<T>{"input_weight", std::span<T>(w_ih_), std::span<T>(g_w_ih_), ih_shape_},
                parameter_view<T>{"recurrent_weight", std::span<T>(w_hh_), std::span<T>(g_w_hh_), hh_shape_},
                parameter_view<T>{"input_bias", std::span<T>(b_ih_), std::span<T>(g_b_ih_), b_shape_},
                parameter_view<T>{"recurrent_bias", std::span<T>(b_hh_), std::span<T>(g_b_hh_), b_shape_}};
    }

    /// The architecture: {"type": "gru" or "lstm", "inputs", "hidden", "sequence_length",
    /// "return_sequences", "carry_state", "init", "recurrent_init"}.
    template <class Json = nlohmann::json>
    Json config() const {
        return {{"type", Cell::name},
                {"inputs", in_},
                {"hidden", H_},
                {"sequence_length", o_.sequence_length},
                {"return_sequences", o_.return_sequences},
                {"carry_state", o_.carry_state},
                {"init", std::string(to_string(o_.init))},
                {"recurrent_init", std::string(to_string(o_.recurrent_init))}};
    }

    /// Steps per sequence; raises argument_error for 0.
    void set_sequence_length(std::size_t length) {
        if (length == 0) throw argument_error(causalrec::cat("causalrec::nn::", Cell::name, ": sequence_length must be positive"));
        o_.sequence_length = length;
    }
    /// Steps per sequence.
    std::size_t sequence_length() const noexcept { return o_.sequence_length; }
    /// Marks the rows of the next forward calls: real[r] != 0 for a real step, 0 for padding (copied;
    /// empty = every row real).
    void set_padding_mask(std::span<const std::uint8_t> real) { real_.assign(real.begin(), real.end()); }

    /// The final h of each sequence of the last forward (B x hidden, row-major); the next forward
    /// starts from it when carry_state is set.
    std::span<const T> state() const noexcept { return state_; }
    /// The final c of each sequence of the last forward (B x hidden; LSTM only, empty for a GRU).
    std::span<const T> cell_state() const noexcept { return cell_state_; }
    /// Forgets the carried states: the next forward starts from zero for every sequence.
    void reset_state() noexcept {
        state_.clear();
        cell_state_.clear();
    }
    /// Zeroes the carried states of the given sequences (a session ended and a new one takes its slot).
    void reset_state(std::span<const std::size_t> sequences) {
        for (std::size_t b : sequences) {
            if ((b + 1) * H_ > state_.size())
                throw argument_error(causalrec::cat("causalrec::nn::", Cell::name, ": no carried state for sequence ", b));
            std::fill_n(state_.data() + b * H_, H_, T(0));
            if constexpr (Cell::has_cell) std::fill_n(cell_state_.data() + b * H_, H_, T(0));
        }
    }
    /// Sets the carried states (B x hidden each, row-major; cell_state for an LSTM only) the next
    /// forward starts from when carry_state is set; raises shape_error for sizes that are not the
    /// same whole rows, or a cell state given to a GRU.
    void set_state(std::span<const T> state, std::span<const T> cell_state = {}) {
        const bool cells_fit = Cell::has_cell ? cell_state.size() == state.size() : cell_state.empty();
        if (state.size() % H_ != 0 || !cells_fit)
            throw shape_error(causalrec::cat("causalrec::nn::", Cell::name, ": states of ", state.size(), " and ", cell_state.size(),
                                             " values do not fit (whole rows of ", H_, Cell::has_cell ? ", h and c alike)" : ", no cell state)"));
        state_.assign(state.begin(), state.end());
        cell_state_.assign(cell_state.begin(), cell_state.end());
    }

    /// Input features per step.
    std::size_t inputs() const noexcept { return in_; }
    /// State values per step.
    std::size_t hidden() const noexcept { return H_; }
    /// The options.
    const recurrent_options& options() const noexcept { return o_; }

private:
    static constexpr std::size_t G = Cell::gates;

    // Checks x and returns the number of sequences B.
    std::size_t sequences_of(const matrix<T>& x) const {
        if (x.shape()[1] != in_)
            throw shape_error(causalrec::cat("causalrec::nn::", Cell::name, ": input has ", x.shape()[1], " columns, the layer expects ", in_));
        const std::size_t N = x.shape()[0], L = o_.sequence_length;
        if (N == 0 || N % L != 0)
            throw shape_error(causalrec::cat("causalrec::nn::", Cell::name, ": ", N, " rows are not a positive whole number of sequences of ", L,
                                             " steps"));
        if (!real_.empty() && real_.size() != N)
            throw shape_error(causalrec::cat("causalrec::nn::", Cell::name, ": the padding mask has ", real_.size(), " rows, the input ", N));
        return N / L;
    }

    // The initial state of a batch of B sequences: the carried one, or zeros.
    void initial_state(std::size_t B, const std::vector<T>& carried, std::vector<T>& start) const {
        start.assign(B * H_, T(0));
        if (!o_.carry_state || carried.empty()) return;
        if (carried.size() != B * H_)
            throw shape_error(causalrec::cat("causalrec::nn::", Cell::name, ": the carried state holds ", carried.size() / H_,
                                             " sequences, the input has ", B, " (reset_state() before changing the batch)"));
        start = carried;
    }

    bool is_real(std::size_t row) const noexcept { return real_.empty() || real_[row] != 0; }

    static void add_rows(T* m, std::size_t rows, const std::vector<T>& bias) noexcept {
        const std::size_t width = bias.size();
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < width; ++j) m[r * width + j] += bias[j];
    }
    static void column_sums(const T* m, std::size_t rows, std::vector<T>& out) noexcept {
        std::fill(out.begin(), out.end(), T(0));
        const std::size_t width = out.size();
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < width; ++j) out[j] += m[r * width + j];
    }

    // The last step's rows of `all` ((B * L) x H) into out (B x H).
    void last_steps(const T* all, std::size_t B, std::vector<T>& out) const {
        const std::size_t L = o_.sequence_length;
        out.resize(B * H_);
        for (std::size_t b = 0; b < B; ++b) std::copy_n(all + ((b + 1) * L - 1) * H_, H_, out.data() + b * H_);
    }

    recurrent_options o_;
    std::size_t in_, H_;
    std::vector<T> w_ih_, w_hh_, b_ih_, b_hh_, g_w_ih_, g_w_hh_, g_b_ih_, g_b_hh_;
    std::array<std::size_t, 2> ih_shape_, hh_shape_;
    std::array<std::size_t, 1> b_shape_;
    std::vector<std::uint8_t> real_{};
    std::vector<T> state_{}, cell_state_{}, start_{}, cell_start_{}, dh_next_{}, dc_next_{};
    shape_cache<T> xg_, gates_, aux_, hprev_, cprev_, states_, cells_, step_, last_, dxg_, dhg_, input_grad_;
    const matrix<T>* input_ = nullptr;
};

}  // namespace causalrec::nn
