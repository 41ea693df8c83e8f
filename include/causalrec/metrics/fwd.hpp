#pragma once
/// @file
/// Forward declarations of the metrics module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

namespace causalrec::metrics {

struct classification_options;  ///< threshold and rule of the thresholded metrics
struct binary_confusion;        ///< tn, fp, fn, tp
struct roc_points;              ///< the points of a ROC curve
struct binary_report;           ///< classification_report's result
struct ranking_result;          ///< evaluate_ranking's result

}  // namespace causalrec::metrics
