#pragma once
/// @file
/// The data module: CSV input/output, the tabular dataset, splits, k-fold, mini-batches, the
/// built-in synthetic data, user-item interaction logs, dense rating matrices and ordered item
/// sequences for next-item models. The Open Bandit Dataset readers are in data/obd.hpp (included on
/// its own, and by causalrec.hpp).

#include "../core/core.hpp"
#include "batches.hpp"
#include "csv.hpp"
#include "dataset.hpp"
#include "dense.hpp"
#include "interactions.hpp"
#include "sequences.hpp"
#include "recode.hpp"
#include "split.hpp"
#include "synthetic.hpp"
