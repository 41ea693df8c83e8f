#pragma once
/// @file
/// What every optimizer of this module shares: the per-parameter state (parameter_state), the
/// first-step allocation and shape rule, gradient clipping (by global norm, by value) and the
/// dense / sparse (row-wise, lazy) update driver. Options checks and message helpers live in detail.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/parameter.hpp"

namespace causalrec::optim {

/// The state an optimizer keeps for one parameter, allocated on the first step() from the parameter's
/// view and never reallocated. The meaning of the (up to three) buffers in `slots` is given by the
/// optimizer's `slot_names`; buffers the options do not need stay empty.
template <class T>
struct parameter_state {
    std::size_t size = 0;                    ///< values in the parameter
    bool sparse = false;                     ///< updated row by row (only the touched rows)
    std::size_t row_size = 0;                ///< values per row (sparse parameters only)
    std::uint64_t steps = 0;                 ///< step() calls so far; for a dense parameter, the t of the update rule
    std::vector<std::uint64_t> row_steps{};  ///< sparse parameters: updates of each row so far (that row's t)
    std::array<std::vector<T>, 3> slots{};   ///< the optimizer's buffers, flat like the parameter
    std::vector<std::uint64_t> row_marks{};  ///< internal: marks rows already visited in one pass (duplicates)
};

namespace detail {

using causalrec::append_part;
using causalrec::cat;
using causalrec::format_number;

/// Raises argument_error unless v > 0 and finite.
inline void require_positive(std::string_view who, std::string_view field, double v) {
    if (!(v > 0.0) || !std::isfinite(v))
        throw argument_error(causalrec::error_message("optim", who, field, " must be a finite number > 0, got ", v));
}

/// Raises argument_error unless v >= 0 and finite.
inline void require_non_negative(std::string_view who, std::string_view field, double v) {
    if (!(v >= 0.0) || !std::isfinite(v))
        throw argument_error(causalrec::error_message("optim", who, field, " must be a finite number >= 0, got ", v));
}

/// Raises argument_error unless 0 <= v < 1.
inline void require_unit_interval(std::string_view who, std::string_view field, double v) {
    if (!(v >= 0.0 && v < 1.0)) throw argument_error(causalrec::error_message("optim", who, field, " must be in [0, 1), got ", v));
}

/// The clipping options every optimizer has; checks them (each >= 0, at most one of them set).
inline void check_clipping(std::string_view who, double clip_norm, double clip_value) {
    require_non_negative(who, "clip_norm", clip_norm);
    require_non_negative(who, "clip_value", clip_value);
    if (clip_norm > 0.0 && clip_value > 0.0)
        throw argument_error(causalrec::error_message("optim", who, "set at most one of clip_norm (", clip_norm, ") and clip_value (", clip_value,
                                 ")"));
}

/// "parameter 2 ('weight')".
inline std::string describe(std::size_t index, std::string_view name) {
    std::string s = cat("parameter ", index);
    if (!name.empty()) s.append(" ('").append(name).append("')");
    return s;
}

/// The machinery shared by the optimizers: learning rate, clipping, per-parameter state and the
/// dense / sparse update driver. Not API: each optimizer owns one and adds its update rule.
template <class T>
class optimizer_core {
public:
    /// A core for the optimizer `name`; checks learning_rate > 0 and the clipping options.
    /// `l2` > 0 adds l2 * p to every gradient after clipping (the coupled weight decay of
    /// torch.optim's SGD, Adam, Adagrad and RMSprop), so that update rules see the decayed gradient.
    optimizer_core(std::string_view name, double learning_rate, double clip_norm, double clip_value, double l2 = 0.0);

    /// The optimizer's name, as given at construction.
    std::string_view name() const noexcept { return name_; }

    /// The current learning rate.
    double learning_rate() const noexcept { return lr_; }

    /// Sets the learning rate (schedules may reach 0); raises argument_error unless finite and >= 0.
    void set_learning_rate(double lr);

    /// The per-parameter state, one entry per parameter of the first step (empty before it).
    const std::vector<parameter_state<T>>& state() const noexcept { return state_; }

    /// Forgets the state: the next step() allocates it again from its parameters.
    void reset() noexcept {
        state_.clear();
        initialized_ = false;
    }

    /// Checks the views against the state (allocating it on the first call with the slots in `used`,
    /// filled with `init`), then clips the gradients in place. Throws before modifying anything.
    void prepare(std::span<const parameter_view<T>> params, std::array<bool, 3> used, std::array<T, 3> init);

    /// Applies `kernel(p, g, s0, s1, s2, n, t)` to every dense parameter as a whole (t = its step count)
    /// and to every distinct touched row of a sparse parameter (t = that row's update count); s0..s2
    /// point at the matching part of the slots (nullptr for an unused slot). With an L2 weight decay,
    /// g already holds gradient + l2 * p (written into the gradient buffer).
    template <class Kernel>
    void update(std::span<const parameter_view<T>> params, const Kernel& kernel) {
        ++pass_;
        for (std::size_t i = 0; i < params.size(); ++i) {
            const parameter_view<T>& v = params[i];
            parameter_state<T>& s = state_[i];
            ++s.steps;
            T* p = v.value.data();
            T* slot[3];
            for (std::size_t k = 0; k < 3; ++k) slot[k] = s.slots[k].empty() ? nullptr : s.slots[k].data();
            if (!s.sparse) {
                add_l2(p, v.grad.data(), s.size);
                kernel(p, v.grad.data(), slot[0], slot[1], slot[2], s.size, s.steps);
                continue;
            }
            const std::size_t rs = s.row_size;
            for (std::size_t k = 0; k < v.touched_rows.size(); ++k) {
                const std::size_t r = v.touched_rows[k];
                if (s.row_marks[r] == pass_) continue;  // a row listed twice is updated once
                s.row_marks[r] = pass_;
                const std::size_t off = r * rs;
                const std::uint64_t t = ++s.row_steps[r];
                T* const gr = v.grad_row(k);
                add_l2(p + off, gr, rs);
                kernel(p + off, gr, slot[0] ? slot[0] + off : nullptr, slot[1] ? slot[1] + off : nullptr,
                       slot[2] ? slot[2] + off : nullptr, rs, t);
            }
        }
    }

private:
    void add_l2(const T* p, T* g, std::size_t n) const noexcept {
        if (l2_ == 0.0) return;
        const T wd = static_cast<T>(l2_);
        for (std::size_t j = 0; j < n; ++j) g[j] += wd * p[j];
    }

    void check_view(std::size_t i, const parameter_view<T>& v) const;

    void check_against_state(std::size_t i, const parameter_view<T>& v, const parameter_state<T>& s) const;

    void check_rows(std::size_t i, const parameter_view<T>& v);

    void allocate(std::span<const parameter_view<T>> params, std::array<bool, 3> used, std::array<T, 3> init);

    void clip_by_value(std::span<const parameter_view<T>> params);

    void clip_by_norm(std::span<const parameter_view<T>> params);

    /// Calls f(grad, n) on every dense gradient and on every distinct touched row of a sparse one.
    template <class F>
    void for_each_gradient_block(std::span<const parameter_view<T>> params, const F& f) {
        ++pass_;
        for (std::size_t i = 0; i < params.size(); ++i) {
            const parameter_view<T>& v = params[i];
            if (!v.sparse) {
                f(v.grad.data(), v.grad.size());
                continue;
            }
            parameter_state<T>& s = state_[i];
            for (std::size_t k = 0; k < v.touched_rows.size(); ++k) {
                const std::size_t r = v.touched_rows[k];
                if (s.row_marks[r] == pass_) continue;
                s.row_marks[r] = pass_;
                f(v.grad_row(k), v.row_size);
            }
        }
    }

    std::string_view name_;
    double lr_;
    double clip_norm_;
    double clip_value_;
    double l2_;
    bool initialized_ = false;
    std::uint64_t pass_ = 0;
    std::vector<parameter_state<T>> state_{};
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <class T>
optimizer_core<T>::optimizer_core(std::string_view name, double learning_rate, double clip_norm, double clip_value, double l2) : name_(name), lr_(learning_rate), clip_norm_(clip_norm), clip_value_(clip_value), l2_(l2) {
    require_positive(name_, "learning_rate", learning_rate);
    check_clipping(name_, clip_norm, clip_value);
    require_non_negative(name_, "weight_decay", l2);
}

template <class T>
void optimizer_core<T>::set_learning_rate(double lr) {
    require_non_negative(name_, "learning rate", lr);
    lr_ = lr;
}

template <class T>
void optimizer_core<T>::prepare(std::span<const parameter_view<T>> params, std::array<bool, 3> used, std::array<T, 3> init) {
    for (std::size_t i = 0; i < params.size(); ++i) check_view(i, params[i]);
    if (!initialized_) {
        allocate(params, used, init);
    } else {
        if (params.size() != state_.size())
            throw shape_error(causalrec::error_message("optim", name_, "step() got ", params.size(), " parameters, but the state was built for ",
                                  state_.size(), " on the first step; call reset() to optimize other parameters"));
        for (std::size_t i = 0; i < params.size(); ++i) check_against_state(i, params[i], state_[i]);
    }
    for (std::size_t i = 0; i < params.size(); ++i) check_rows(i, params[i]);
    if (clip_value_ > 0.0) clip_by_value(params);
    if (clip_norm_ > 0.0) clip_by_norm(params);
}

template <class T>
void optimizer_core<T>::check_view(std::size_t i, const parameter_view<T>& v) const {
    if (v.sparse && v.packed_grad) {
        if (v.row_size == 0 || v.value.size() % v.row_size != 0 || v.grad.size() < v.touched_rows.size() * v.row_size)
            throw shape_error(causalrec::error_message("optim", name_, "sparse ", describe(i, v.name), " with packed gradient rows has ",
                                  v.value.size(), " values in rows of ", v.row_size, " and ", v.grad.size(),
                                  " gradient entries for ", v.touched_rows.size(), " touched rows"));
        return;
    }
    if (v.value.size() != v.grad.size())
        throw shape_error(causalrec::error_message("optim", name_, describe(i, v.name), " has ", v.value.size(), " values but ",
                              v.grad.size(), " gradient entries"));
    if (v.sparse && (v.row_size == 0 || v.value.size() % v.row_size != 0))
        throw shape_error(causalrec::error_message("optim", name_, "sparse ", describe(i, v.name), " has ", v.value.size(),
                              " values, which is not a whole number of rows of row_size ", v.row_size));
}

template <class T>
void optimizer_core<T>::check_against_state(std::size_t i, const parameter_view<T>& v, const parameter_state<T>& s) const {
    if (v.value.size() != s.size || v.sparse != s.sparse || (s.sparse && v.row_size != s.row_size))
        throw shape_error(causalrec::error_message("optim", name_, describe(i, v.name), " has ", v.value.size(), " values",
                              v.sparse ? cat(" (sparse, rows of ", v.row_size, ")") : std::string(),
                              ", but the state was built on the first step for ", s.size, " values",
                              s.sparse ? cat(" (sparse, rows of ", s.row_size, ")") : std::string(),
                              "; call reset() to optimize other parameters"));
}

template <class T>
void optimizer_core<T>::check_rows(std::size_t i, const parameter_view<T>& v) {
    if (!v.sparse) return;
    const std::size_t rows = v.value.size() / v.row_size;
    for (const std::size_t r : v.touched_rows)
        if (r >= rows)
            throw shape_error(causalrec::error_message("optim", name_, "sparse ", describe(i, v.name), " lists touched row ", r, " but has ",
                                  rows, " rows"));
    if (!v.packed_grad) return;
    // Packed gradient rows are one per listed row: a row listed twice would lose a gradient.
    parameter_state<T>& s = state_[i];
    ++pass_;
    for (const std::size_t r : v.touched_rows) {
        if (s.row_marks[r] == pass_)
            throw shape_error(causalrec::error_message("optim", name_, "sparse ", describe(i, v.name), " with packed gradient rows lists row ",
                                  r, " twice"));
        s.row_marks[r] = pass_;
    }
}

template <class T>
void optimizer_core<T>::allocate(std::span<const parameter_view<T>> params, std::array<bool, 3> used, std::array<T, 3> init) {
    std::vector<parameter_state<T>> state(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        const parameter_view<T>& v = params[i];
        parameter_state<T>& s = state[i];
        s.size = v.value.size();
        s.sparse = v.sparse;
        s.row_size = v.sparse ? v.row_size : 0;
        for (std::size_t k = 0; k < 3; ++k)
            if (used[k]) s.slots[k].assign(s.size, init[k]);
        if (s.sparse) {
            s.row_steps.assign(s.size / s.row_size, 0);
            s.row_marks.assign(s.size / s.row_size, 0);
        }
    }
    state_ = std::move(state);
    pass_ = 0;
    initialized_ = true;
}

template <class T>
void optimizer_core<T>::clip_by_value(std::span<const parameter_view<T>> params) {
    const T c = static_cast<T>(clip_value_);
    const auto clamp_range = [c](T* g, std::size_t n) {
        for (std::size_t j = 0; j < n; ++j) g[j] = std::clamp(g[j], -c, c);
    };
    for (const parameter_view<T>& v : params) {
        if (!v.sparse) {
            clamp_range(v.grad.data(), v.grad.size());
        } else {
            for (std::size_t k = 0; k < v.touched_rows.size(); ++k) clamp_range(v.grad_row(k), v.row_size);
        }
    }
}

template <class T>
void optimizer_core<T>::clip_by_norm(std::span<const parameter_view<T>> params) {
    double squares = 0.0;
    const auto add_squares = [&squares](const T* g, std::size_t n) {
        for (std::size_t j = 0; j < n; ++j) squares += static_cast<double>(g[j]) * static_cast<double>(g[j]);
    };
    for_each_gradient_block(params, add_squares);
    const double norm = std::sqrt(squares);
    if (!std::isfinite(norm))
        throw numeric_error(causalrec::error_message("optim", name_, "the global gradient norm is ", norm, "; cannot clip it to ", clip_norm_));
    // torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), applied when below 1.
    const double coef = clip_norm_ / (norm + 1e-6);
    if (coef >= 1.0) return;
    const T c = static_cast<T>(coef);
    for_each_gradient_block(params, [c](T* g, std::size_t n) {
        for (std::size_t j = 0; j < n; ++j) g[j] *= c;
    });
}


/// What every shipped optimizer offers besides its update rule: its options, learning rate, name,
/// state and reset, and the declaration that it honours sparse rows. Not API: each optimizer derives
/// from it (no virtual functions) and adds its constructor checks and step().
template <class Options, class T>
class optimizer_base {
public:
    using options_type = Options;  ///< the options type taken by the constructor
    using value_type = T;          ///< the element type of the parameters it updates
    /// Sparse parameters are updated row by row: only the touched rows move (lazy updates).
    static constexpr bool sparse_rows = true;

    /// The current learning rate.
    double learning_rate() const noexcept { return core_.learning_rate(); }
    /// Sets the learning rate (for schedules); raises argument_error unless finite and >= 0.
    void set_learning_rate(double learning_rate) { core_.set_learning_rate(learning_rate); }
    /// The optimizer's name ("adam", "sgd", ...).
    std::string_view name() const noexcept { return core_.name(); }
    /// The options given at construction (learning_rate as given; learning_rate() is the current one).
    const Options& options() const noexcept { return opts_; }
    /// The per-parameter state (empty before the first step).
    const std::vector<parameter_state<T>>& state() const noexcept { return core_.state(); }
    /// Forgets the state; the next step() allocates it again (to optimize other parameters).
    void reset() noexcept { core_.reset(); }

protected:
    /// `l2`: the coupled weight decay the core adds to the gradients (0 for decoupled decay).
    optimizer_base(std::string_view name, const Options& opts, double l2)
        : opts_(opts), core_(name, opts.learning_rate, opts.clip_norm, opts.clip_value, l2) {}

    Options opts_;
    optimizer_core<T> core_;
};

#if !CAUSALREC_HEADER_ONLY
extern template class optimizer_core<float>;
extern template class optimizer_core<double>;
#endif

}  // namespace detail

}  // namespace causalrec::optim
