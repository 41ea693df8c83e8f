#pragma once
// Mean and sample standard deviation of repeated estimates (simulation checks of estimators).
#include <cmath>
#include <numeric>
#include <vector>

namespace causalrec_test {

/// A sample's mean and standard deviation (n - 1 in the denominator).
struct mean_sd {
    double mean = 0.0, sd = 0.0;
};

/// The mean and sample standard deviation of `v` (at least two values).
inline mean_sd summarize(const std::vector<double>& v) {
    const double m = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double ss = 0.0;
    for (double x : v) ss += (x - m) * (x - m);
    return {m, std::sqrt(ss / static_cast<double>(v.size() - 1))};
}

}  // namespace causalrec_test
