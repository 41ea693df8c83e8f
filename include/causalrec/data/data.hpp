#pragma once
/// @file
/// The data module: CSV input/output, the tabular dataset, splits, k-fold, mini-batches and the
/// built-in synthetic data.

#include "../core/core.hpp"
#include "batches.hpp"
#include "csv.hpp"
#include "dataset.hpp"
#include "split.hpp"
#include "synthetic.hpp"
