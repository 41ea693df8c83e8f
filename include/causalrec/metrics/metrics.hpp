#pragma once
/// @file
/// The metrics module: binary classification metrics (accuracy, precision, recall, F1, confusion
/// matrix, ROC-AUC, average precision, log-loss, Brier), regression metrics (MSE, RMSE, MAE, R²),
/// classification_report, metric function objects, the Metric concept, and top-K ranking metrics with
/// evaluate_ranking (ranking.hpp). Definitions follow
/// scikit-learn 1.2; see docs/metrics.md.

#include "../core/core.hpp"
#include "causal.hpp"
#include "classification.hpp"
#include "concepts.hpp"
#include "objects.hpp"
#include "ranking.hpp"
#include "regression.hpp"
#include "report.hpp"
