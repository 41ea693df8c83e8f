#pragma once
/// @file
/// Forward declarations of the train module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

namespace causalrec::train {

struct history;                 ///< per-epoch logs of a training run
struct train_options;           ///< epochs, batch size, shuffling, verbosity of fit
class progress_bar;             ///< Keras-style progress output
class early_stopping;           ///< stops when a monitored value stops improving
class csv_logger;               ///< writes each epoch's logs to CSV
class model_checkpoint;         ///< saves the model at epoch ends

}  // namespace causalrec::train
