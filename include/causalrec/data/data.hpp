#pragma once
/// @file
/// The data module: CSV input/output, the tabular dataset, splits, k-fold, mini-batches, the
/// built-in synthetic data and user-item interaction logs.

#include "../core/core.hpp"
#include "batches.hpp"
#include "csv.hpp"
#include "dataset.hpp"
#include "interactions.hpp"
#include "split.hpp"
#include "synthetic.hpp"
