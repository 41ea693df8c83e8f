#pragma once
/// @file
/// Who benefits, as rules: a shallow policy tree (depth at most 3) fitted to per-row effect estimates
/// (an effect estimator's CATE, or doubly robust scores), choosing in each leaf whether to treat, so
/// that the treated rows' summed effect net of a cost is as large as the tree allows. Splits are chosen
/// greedily, one level at a time (CART-style, as econml's SingleTreePolicyInterpreter); each split
/// must raise the policy's value. The tree describes the estimates it was fitted to: it is as right
/// as they are, and a feature it splits on need not be what causes the effect to differ.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"

namespace causalrec::explain {

/// Options of fit_policy_tree.
struct policy_tree_options {
    std::size_t max_depth = 2;          ///< levels of splits, 1 to 3
    std::size_t min_samples_leaf = 20;  ///< rows each leaf must keep
    double treatment_cost = 0.0;        ///< treat a leaf when its mean effect exceeds this
};

/// A fitted policy tree: nodes in preorder, the root first.
struct policy_tree {
    /// One node: a split (feature <= threshold goes left) or a leaf with its decision.
    struct node {
        bool leaf = true;             ///< whether this is a leaf
        std::size_t feature = 0;      ///< split feature (internal nodes)
        double threshold = 0.0;       ///< split threshold: rows with x[feature] <= threshold go left
        std::size_t left = 0;         ///< index of the left child (internal nodes)
        std::size_t right = 0;        ///< index of the right child (internal nodes)
        bool treat = false;           ///< the leaf's decision
        std::size_t samples = 0;      ///< training rows reaching the node
        double mean_effect = 0.0;     ///< their mean effect estimate
    };
    std::vector<node> nodes{};                  ///< the tree
    std::vector<std::string> feature_names{};   ///< names used by rules() (x0, x1, ... when not given)
    double treatment_cost = 0.0;                ///< the cost it was fitted with
    double value = 0.0;                         ///< mean over the training rows of (effect - cost) for the rows it treats
    double treated_share = 0.0;                 ///< share of the training rows it treats

    /// The decision for one row of features.
    template <class T>
    bool decide(std::span<const T> x) const {
        std::size_t at = 0;
        while (!nodes[at].leaf) at = static_cast<double>(x[nodes[at].feature]) <= nodes[at].threshold ? nodes[at].left : nodes[at].right;
        return nodes[at].treat;
    }

    /// The decision for every row of X (1 = treat).
    template <class T>
    std::vector<int> decide(const matrix<T>& X) const {
        std::vector<int> out(X.shape()[0]);
        const std::size_t d = X.shape()[1];
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = decide(std::span<const T>(X.data() + i * d, d)) ? 1 : 0;
        return out;
    }

    /// The leaves as rules, one per line: "if x1 <= 0.3 and x0 > 0.6: treat (n = 240, mean effect +0.98)".
    std::string rules() const {
        std::string out;
        std::vector<std::string> path;
        write_rules(0, path, out);
        return out;
    }

private:
    std::string name_of(std::size_t feature) const {
        return feature < feature_names.size() ? feature_names[feature] : "x" + std::to_string(feature);
    }
    static std::string number(double v) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.4g", v);
        return buffer;
    }
    void write_rules(std::size_t at, std::vector<std::string>& path, std::string& out) const {
        const node& n = nodes[at];
        if (n.leaf) {
            std::string line = path.empty() ? "always" : "if ";
            for (std::size_t k = 0; k < path.size(); ++k) line += (k ? " and " : "") + path[k];
            char tail[96];
            std::snprintf(tail, sizeof tail, ": %s (n = %zu, mean effect %+.4g)\n", n.treat ? "treat" : "do not treat", n.samples, n.mean_effect);
            out += line + tail;
            return;
        }
        path.push_back(name_of(n.feature) + " <= " + number(n.threshold));
        write_rules(n.left, path, out);
        path.back() = name_of(n.feature) + " > " + number(n.threshold);
        write_rules(n.right, path, out);
        path.pop_back();
    }
};

namespace detail {

/// Grows the subtree over `rows` at `depth`; returns its node index.
template <class T>
std::size_t grow_policy_node(policy_tree& tree, const matrix<T>& X, std::span<const double> gain, std::vector<std::size_t> rows,
                             std::size_t depth, const policy_tree_options& options, std::span<const double> effects) {
    const auto value_of = [](double sum) { return std::max(sum, 0.0); };
    double sum = 0.0, effect_sum = 0.0;
    for (std::size_t i : rows) sum += gain[i], effect_sum += effects[i];
    const std::size_t at = tree.nodes.size();
    tree.nodes.push_back({.leaf = true, .treat = sum > 0.0, .samples = rows.size(), .mean_effect = effect_sum / static_cast<double>(rows.size())});
    if (depth >= options.max_depth || rows.size() < 2 * options.min_samples_leaf) return at;
    // The best split over every feature and every boundary between distinct values.
    double best = value_of(sum);
    std::size_t best_feature = 0;
    double best_threshold = 0.0;
    bool found = false;
    std::vector<std::size_t> sorted = rows;
    const std::size_t d = X.shape()[1], n = rows.size();
    for (std::size_t j = 0; j < d; ++j) {
        std::sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) { return X(a, j) < X(b, j) || (X(a, j) == X(b, j) && a < b); });
        double left = 0.0;
        for (std::size_t k = 0; k + 1 < n; ++k) {
            left += gain[sorted[k]];
            const std::size_t left_rows = k + 1;
            if (left_rows < options.min_samples_leaf || n - left_rows < options.min_samples_leaf) continue;
            const double a = static_cast<double>(X(sorted[k], j)), b = static_cast<double>(X(sorted[k + 1], j));
            if (!(a < b)) continue;
            const double v = value_of(left) + value_of(sum - left);
            if (v > best + 1e-12 * (1.0 + std::abs(best))) {
                best = v;
                best_feature = j;
                best_threshold = a + (b - a) / 2.0;
                if (!(best_threshold < b)) best_threshold = a;
                found = true;
            }
        }
    }
    if (!found) return at;
    std::vector<std::size_t> left_rows, right_rows;
    for (std::size_t i : rows) (static_cast<double>(X(i, best_feature)) <= best_threshold ? left_rows : right_rows).push_back(i);
    rows.clear();
    rows.shrink_to_fit();
    const std::size_t l = grow_policy_node(tree, X, gain, std::move(left_rows), depth + 1, options, effects);
    const std::size_t r = grow_policy_node(tree, X, gain, std::move(right_rows), depth + 1, options, effects);
    auto& node = tree.nodes[at];
    node.leaf = false;
    node.feature = best_feature;
    node.threshold = best_threshold;
    node.left = l;
    node.right = r;
    return at;
}

}  // namespace detail

/// Fits a policy tree to per-row effect estimates (`effects`, one per row of X): treat a leaf when its
/// rows' mean effect exceeds the cost. Raises shape_error when the sizes differ and argument_error for
/// max_depth outside 1..3, min_samples_leaf = 0, no rows or a non-finite effect.
template <class T>
policy_tree fit_policy_tree(const matrix<T>& X, std::span<const double> effects, const policy_tree_options& options = {},
                            std::vector<std::string> feature_names = {}) {
    const std::size_t n = X.shape()[0];
    if (effects.size() != n)
        throw shape_error(causalrec::error_message("explain", "fit_policy_tree", "X has ", n, " rows but there are ", effects.size(), " effects"));
    if (n == 0) throw argument_error(causalrec::error_message("explain", "fit_policy_tree", "no rows"));
    if (options.max_depth < 1 || options.max_depth > 3)
        throw argument_error(causalrec::error_message("explain", "fit_policy_tree", "max_depth must be 1, 2 or 3, got ", options.max_depth));
    if (options.min_samples_leaf == 0) throw argument_error(causalrec::error_message("explain", "fit_policy_tree", "min_samples_leaf must be at least 1"));
    std::vector<double> gain(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(effects[i]))
            throw argument_error(causalrec::error_message("explain", "fit_policy_tree", "effect ", i, " is not finite"));
        gain[i] = effects[i] - options.treatment_cost;
    }
    policy_tree tree;
    tree.feature_names = std::move(feature_names);
    tree.treatment_cost = options.treatment_cost;
    std::vector<std::size_t> rows(n);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    detail::grow_policy_node(tree, X, gain, std::move(rows), 0, options, effects);
    const auto decisions = tree.decide(X);
    double value = 0.0, treated = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        if (decisions[i]) value += gain[i], treated += 1.0;
    tree.value = value / static_cast<double>(n);
    tree.treated_share = treated / static_cast<double>(n);
    return tree;
}

/// A model of the explain functions' form over an effect estimator: predict(X) = estimator.effect(X),
/// so that Shapley values, permutation importance and partial dependence explain its CATE.
template <class E>
auto effect_predictor(const E& estimator) {
    return [&estimator](const auto& X) { return estimator.effect(X); };
}

}  // namespace causalrec::explain
