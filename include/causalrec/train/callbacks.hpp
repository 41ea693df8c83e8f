#pragma once
/// @file
/// Ready callbacks for fit(): progress bar, early stopping, CSV logger, learning-rate schedules and
/// a lambda callback. A callback is any object with some of the hooks on_train_begin,
/// on_epoch_begin, on_batch_end, on_epoch_end, on_train_end(context&); none needs a base class.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "context.hpp"

namespace causalrec::train {

namespace detail {

bool is_terminal(std::FILE* stream);

std::string format_logs(const epoch_logs& logs);

std::string format_duration(double seconds);

}  // namespace detail

/// Options of progress_bar.
struct progress_bar_options {
    int verbose = 1;             ///< 1: bar on a terminal, line per epoch otherwise; 2: line per epoch
    std::FILE* stream = stderr;  ///< where to write
};

/// Keras-style progress on stderr. On a terminal (verbose 1) a bar per epoch, redrawn at most ten
/// times a second; otherwise (or with verbose 2) one line per epoch. fit() adds one when its
/// `verbose` option is not 0.
class progress_bar {
public:
    /// A progress display with the given options.
    explicit progress_bar(progress_bar_options options = {}) : verbose_(options.verbose), stream(options.stream) {}

    /// Decides between bar and lines.
    template <class Ctx>
    void on_train_begin(Ctx&) {
        bar_ = verbose_ == 1 && detail::is_terminal(stream);
    }
    /// Prints the epoch header (bar mode) and starts the epoch clock.
    template <class Ctx>
    void on_epoch_begin(Ctx& ctx) {
        if (bar_) std::fprintf(stream, "Epoch %zu/%zu\n", ctx.epoch + 1, ctx.epochs);
        last_draw_ = std::chrono::steady_clock::now();
    }
    /// Redraws the bar (bar mode, throttled).
    template <class Ctx>
    void on_batch_end(Ctx& ctx) {
        if (!bar_) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_draw_ < std::chrono::milliseconds(100) && ctx.batch + 1 < ctx.batches_per_epoch) return;
        last_draw_ = now;
        const double done = static_cast<double>(ctx.batch + 1) / static_cast<double>(ctx.batches_per_epoch);
        const double eta = ctx.epoch_seconds / done * (1.0 - done);
        std::fprintf(stream, "\r%s - ETA: %s - loss: %.4f  ", bar(ctx.batch + 1, ctx.batches_per_epoch).c_str(),
                     detail::format_duration(eta).c_str(), ctx.batch_loss);
        std::fflush(stream);
    }
    /// Prints the epoch's summary.
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        const double per_step = ctx.epoch_seconds / static_cast<double>(std::max<std::size_t>(ctx.batches_per_epoch, 1));
        const std::string timing = detail::format_duration(ctx.epoch_seconds) + " " + detail::format_duration(per_step) + "/step";
        if (bar_) {
            std::fprintf(stream, "\r%s - %s%s\n", bar(ctx.batches_per_epoch, ctx.batches_per_epoch).c_str(),
                         timing.c_str(), detail::format_logs(ctx.logs).c_str());
        } else {
            std::fprintf(stream, "Epoch %zu/%zu - %zu steps - %s%s\n", ctx.epoch + 1, ctx.epochs, ctx.batches_per_epoch,
                         timing.c_str(), detail::format_logs(ctx.logs).c_str());
        }
        std::fflush(stream);
    }

private:
    int verbose_;
    std::FILE* stream;

    static std::string bar(std::size_t done, std::size_t total) {
        const std::size_t width = 30;
        const std::size_t filled = total ? done * width / total : width;
        std::string s = std::to_string(done);
        s.push_back('/');
        s.append(std::to_string(total)).append(" [");
        for (std::size_t i = 0; i < width; ++i) s.push_back(i < filled ? '=' : (i == filled ? '>' : '.'));
        s.push_back(']');
        return s;
    }
    bool bar_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
};

/// Which direction of a monitored value counts as an improvement.
enum class monitor_mode {
    automatic,  ///< lower for losses, the metric's own direction otherwise
    minimize,   ///< lower is better
    maximize,   ///< higher is better
};

namespace detail {

/// The best value so far of a monitored log key, in its direction of improvement.
struct best_value {
    bool maximize = false;                                ///< higher is better
    double value = std::numeric_limits<double>::infinity();  ///< the best so far (+-inf before any)

    /// Picks the direction (`mode`, or for automatic the context's own for `key`) and forgets the best.
    template <class Ctx>
    void reset(const Ctx& ctx, monitor_mode mode, const std::string& key) {
        maximize = mode == monitor_mode::maximize || (mode == monitor_mode::automatic && ctx.greater_is_better(key));
        value = maximize ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    }
    /// True, and `v` becomes the best, when v beats the best by more than min_delta (NaN never does).
    bool improve(double v, double min_delta = 0.0) {
        const bool better = maximize ? v > value + min_delta : v < value - min_delta;
        if (better) value = v;
        return better;
    }
};

}  // namespace detail

/// Options of early_stopping (Keras's EarlyStopping arguments).
struct early_stopping_options {
    std::string monitor = "val_loss";             ///< a key of the epoch logs
    double min_delta = 0.0;                       ///< smallest change that counts as an improvement
    std::size_t patience = 0;                     ///< epochs without improvement after which training stops
    monitor_mode mode = monitor_mode::automatic;  ///< direction of improvement
    bool restore_best_weights = false;            ///< restore the best epoch's parameters at the end
};

/// Stops training when a monitored value has not improved for `patience` epochs (Keras's EarlyStopping).
/// With restore_best_weights, the parameters of the best epoch are put back when training ends.
class early_stopping {
public:
    /// Early stopping with the given options.
    explicit early_stopping(early_stopping_options options = {}) : options_(std::move(options)) {
        if (options_.min_delta < 0.0) throw argument_error("causalrec::train::early_stopping: min_delta must be >= 0");
    }

    /// Resets the state.
    template <class Ctx>
    void on_train_begin(Ctx& ctx) {
        best_.reset(ctx, options_.mode, options_.monitor);
        wait_ = 0;
        best_epoch_ = 0;
        stopped_epoch_ = 0;
        best_weights_.clear();
    }
    /// Compares the monitored value with the best so far; asks to stop after `patience` bad epochs.
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        if (best_.improve(ctx.log_value(options_.monitor), options_.min_delta)) {
            best_epoch_ = ctx.epoch;
            wait_ = 0;
            if (options_.restore_best_weights) snapshot(ctx);
        } else if (++wait_ >= options_.patience) {
            ctx.stop_training = true;
            stopped_epoch_ = ctx.epoch + 1;
        }
    }
    /// Restores the best weights when asked and when the last epoch was not the best.
    template <class Ctx>
    void on_train_end(Ctx& ctx) {
        if (!options_.restore_best_weights || best_weights_.empty() || best_epoch_ + 1 == ctx.record.epochs()) return;
        for (std::size_t k = 0; k < ctx.parameters.size(); ++k) {
            auto value = ctx.parameters[k].value;
            for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<typename decltype(value)::value_type>(best_weights_[k][i]);
        }
    }

    /// Best value seen.
    double best() const noexcept { return best_.value; }
    /// 0-based epoch of the best value.
    std::size_t best_epoch() const noexcept { return best_epoch_; }
    /// 1-based epoch after which training stopped (0 if it ran to the end).
    std::size_t stopped_epoch() const noexcept { return stopped_epoch_; }

private:
    template <class Ctx>
    void snapshot(Ctx& ctx) {
        best_weights_.resize(ctx.parameters.size());
        for (std::size_t k = 0; k < ctx.parameters.size(); ++k)
            best_weights_[k].assign(ctx.parameters[k].value.begin(), ctx.parameters[k].value.end());
    }
    early_stopping_options options_;
    detail::best_value best_{};
    std::size_t wait_ = 0, best_epoch_ = 0, stopped_epoch_ = 0;
    std::vector<std::vector<double>> best_weights_{};
};

/// Writes each epoch's logs to a CSV file (header at the first epoch; "epoch" first).
class csv_logger {
public:
    /// A logger writing to `path`; with `append`, an existing file is kept and rows are added.
    explicit csv_logger(std::string path, bool append = false) : path_(std::move(path)), append_(append) {}

    /// Opens the file.
    template <class Ctx>
    void on_train_begin(Ctx&) {
        file_.reset(std::fopen(path_.c_str(), append_ ? "ab" : "wb"));
        if (!file_) throw error(causalrec::cat("causalrec::train::csv_logger: cannot open '", path_, "' for writing"));
        header_written_ = append_;
    }
    /// Writes one row.
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        if (!header_written_) {
            std::fprintf(file_.get(), "epoch");
            for (const auto& [key, value] : ctx.logs) std::fprintf(file_.get(), ",%s", key.c_str());
            std::fprintf(file_.get(), "\n");
            header_written_ = true;
        }
        std::fprintf(file_.get(), "%zu", ctx.epoch + 1);
        for (const auto& [key, value] : ctx.logs) std::fprintf(file_.get(), ",%.17g", value);
        std::fprintf(file_.get(), "\n");
        std::fflush(file_.get());
    }
    /// Closes the file.
    template <class Ctx>
    void on_train_end(Ctx&) {
        file_.reset();
    }

private:
    struct closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::string path_;
    bool append_;
    std::unique_ptr<std::FILE, closer> file_{};
    bool header_written_ = false;
};

/// Sets the learning rate at the start of each epoch from a schedule: schedule(epoch, base_lr),
/// base_lr being the optimizer's rate when training began (optim::step_decay, cosine_annealing, ...).
template <class Schedule>
class lr_scheduler {
public:
    /// A scheduler applying `schedule`.
    explicit lr_scheduler(Schedule schedule) : schedule_(std::move(schedule)) {}

    /// Records the base learning rate.
    template <class Ctx>
    void on_train_begin(Ctx& ctx) {
        base_ = ctx.learning_rate();
    }
    /// Applies the schedule.
    template <class Ctx>
    void on_epoch_begin(Ctx& ctx) {
        ctx.set_learning_rate(schedule_(ctx.epoch, base_));
    }

private:
    Schedule schedule_;
    double base_ = 0.0;
};

/// Lowers the learning rate when a monitored value stops improving, through a schedule with
/// `update(value, lr) -> lr` (optim::reduce_on_plateau).
template <class Plateau>
struct reduce_lr_on_plateau {
    Plateau schedule;                  ///< the plateau rule
    std::string monitor = "val_loss";  ///< a key of the epoch logs

    /// Feeds the monitored value to the rule and applies its learning rate.
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        ctx.set_learning_rate(schedule.update(ctx.log_value(monitor), ctx.learning_rate()));
    }
};
/// Deduces the plateau schedule type from the constructor argument.
template <class Plateau>
reduce_lr_on_plateau(Plateau) -> reduce_lr_on_plateau<Plateau>;
/// Deduces the plateau schedule type from the constructor arguments (schedule, monitored metric).
template <class Plateau>
reduce_lr_on_plateau(Plateau, std::string) -> reduce_lr_on_plateau<Plateau>;

/// The training event a function_callback answers.
enum class callback_event { epoch_end, batch_end };

/// Calls a function at one training event, with the training_context: built by on_epoch_end(f)
/// or on_batch_end(f). It has the hook of its event only, so the loop does not time batches for
/// an epoch-end function.
template <callback_event Event, class F>
struct function_callback {
    F function;  ///< called with the training_context

    /// Calls the function (epoch-end callbacks).
    template <class Ctx>
        requires(Event == callback_event::epoch_end)
    void on_epoch_end(Ctx& ctx) {
        function(ctx);
    }
    /// Calls the function (batch-end callbacks).
    template <class Ctx>
        requires(Event == callback_event::batch_end)
    void on_batch_end(Ctx& ctx) {
        function(ctx);
    }
};

/// A callback from a function called at the end of every epoch: on_epoch_end([](auto& ctx) { ... }).
template <class F>
function_callback<callback_event::epoch_end, F> on_epoch_end(F function) {
    return {std::move(function)};
}

/// A callback from a function called after every batch.
template <class F>
function_callback<callback_event::batch_end, F> on_batch_end(F function) {
    return {std::move(function)};
}

}  // namespace causalrec::train

#if CAUSALREC_HEADER_ONLY
#include "impl/callbacks.hpp"
#endif
