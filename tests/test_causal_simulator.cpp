// The causal simulator: its propensities are the true exposure probabilities (IPS on many logs is
// unbiased for the true mean relevance, the naive click rate is not, SNIPS varies less than IPS),
// the randomised slice and the campaign estimate the truth, and results are deterministic.
#include <causalrec/causal/simulator.hpp>

#include <cmath>
#include <vector>

#include "catch.hpp"

namespace cr = causalrec;
namespace causal = causalrec::causal;

namespace {

struct moments {
    double mean = 0.0, var = 0.0;
};

moments of(const std::vector<double>& v) {
    moments m;
    for (double x : v) m.mean += x;
    m.mean /= static_cast<double>(v.size());
    for (double x : v) m.var += (x - m.mean) * (x - m.mean);
    m.var /= static_cast<double>(v.size() - 1);
    return m;
}

}  // namespace

TEST_CASE("simulate_causal: IPS on 200 logged datasets is unbiased for the truth; naive is not; SNIPS varies less",
          "[causal][simulator]") {
    // Two quantities over all user-item pairs: the mean relevance (click rate if everything were
    // shown) and the MSE of a constant click prediction c (as Schnabel et al. estimate a model's
    // error), E[(y - c)^2] = rho (1 - c)^2 + (1 - rho) c^2 per pair.
    const auto sim = causal::simulate_causal({.users = 300, .items = 100, .mean_exposures = 10, .seed = 5});
    const double c = 0.7, truth = sim.mean_relevance();  // c: about the logged click rate, as a naive model predicts
    double mse_truth = 0.0;
    for (double rho : sim.relevance) mse_truth += rho * (1 - c) * (1 - c) + (1 - rho) * c * c;
    const double pairs = static_cast<double>(sim.n_users * sim.n_items);
    mse_truth /= pairs;
    std::vector<double> naive, ips, mse_naive, mse_ips, mse_snips;
    for (std::uint64_t s = 0; s < 200; ++s) {
        const auto log = causal::draw_logged_feedback(sim, 1000 + s);
        double clicks = 0.0, weighted = 0.0, weights = 0.0, err = 0.0, werr = 0.0;
        for (std::size_t r = 0; r < log.size(); ++r) {
            const double y = log.values()[r], w = 1.0 / log.propensities()[r], d = (y - c) * (y - c);
            clicks += y;
            weighted += y * w;
            weights += w;
            err += d;
            werr += d * w;
        }
        naive.push_back(clicks / static_cast<double>(log.size()));
        ips.push_back(weighted / pairs);
        mse_naive.push_back(err / static_cast<double>(log.size()));
        mse_ips.push_back(werr / pairs);
        mse_snips.push_back(werr / weights);
    }
    const auto n = of(naive), i = of(ips), mn = of(mse_naive), mi = of(mse_ips), ms = of(mse_snips);
    INFO("relevance: truth " << truth << ", naive " << n.mean << ", IPS " << i.mean << "; MSE of " << c << ": truth "
                             << mse_truth << ", naive " << mn.mean << ", IPS " << mi.mean << ", SNIPS " << ms.mean);
    REQUIRE(std::abs(i.mean - truth) < 3.0 * std::sqrt(i.var / 200.0));
    REQUIRE(std::abs(n.mean - truth) > 20.0 * std::sqrt(n.var / 200.0));  // the logged click rate is far off
    REQUIRE(std::abs(mi.mean - mse_truth) < 3.0 * std::sqrt(mi.var / 200.0));
    REQUIRE(std::abs(mn.mean - mse_truth) > 20.0 * std::sqrt(mn.var / 200.0));
    REQUIRE(ms.var < 0.5 * mi.var);  // self-normalisation removes most of the weights' variance
    REQUIRE(std::abs(ms.mean - mse_truth) < 0.05 * mse_truth);
}

TEST_CASE("simulate_causal: the randomised slice and the campaign estimate the truth", "[causal][simulator]") {
    const auto sim = causal::simulate_causal({.seed = 9});
    // Random slice: uniform exposure, so its click rate estimates the mean relevance.
    const auto& slice = sim.random_log;
    REQUIRE(slice.size() > 1000);
    double clicks = 0.0;
    for (double v : slice.values()) clicks += v;
    const double rate = clicks / static_cast<double>(slice.size());
    const double se = std::sqrt(rate * (1.0 - rate) / static_cast<double>(slice.size()));
    REQUIRE(std::abs(rate - sim.mean_relevance()) < 4.0 * se);
    for (double p : slice.propensities()) REQUIRE(p == Approx(10.0 / 300.0));
    // Campaign: randomised treatment, so the difference in means estimates the mean true effect.
    const auto& c = sim.campaign;
    const auto tau = c.true_effect();
    double y1 = 0.0, y0 = 0.0, n1 = 0.0, n0 = 0.0, mean_tau = 0.0;
    for (std::size_t r = 0; r < c.outcome.size(); ++r) {
        (c.treatment(r) == 1.0 ? y1 : y0) += c.outcome(r);
        (c.treatment(r) == 1.0 ? n1 : n0) += 1.0;
        mean_tau += tau(r);
        REQUIRE(c.mu1(r) >= c.mu0(r));
        REQUIRE(c.propensity(r) == 0.5);
    }
    mean_tau /= static_cast<double>(c.outcome.size());
    const double dim = y1 / n1 - y0 / n0;
    const double se_dim = std::sqrt(0.25 / n1 + 0.25 / n0);
    INFO("difference in means " << dim << ", true mean effect " << mean_tau);
    REQUIRE(std::abs(dim - mean_tau) < 4.0 * se_dim);
    REQUIRE(std::abs(n1 / (n1 + n0) - 0.5) < 0.05);
    REQUIRE(c.x.shape()[0] == 10000);
    REQUIRE(c.x.shape()[1] == 12);
}

TEST_CASE("simulate_causal: deterministic for a seed; errors", "[causal][simulator]") {
    const auto a = causal::simulate_causal({.users = 50, .items = 40, .seed = 3});
    const auto b = causal::simulate_causal({.users = 50, .items = 40, .seed = 3});
    const auto c = causal::simulate_causal({.users = 50, .items = 40, .seed = 4});
    REQUIRE(std::vector<double>(a.log.values().begin(), a.log.values().end()) ==
            std::vector<double>(b.log.values().begin(), b.log.values().end()));
    REQUIRE((a.campaign.outcome == b.campaign.outcome));
    REQUIRE_FALSE((a.relevance == c.relevance));
    // The exposure policy shows relevant items more: the logged pairs are more relevant than average.
    double logged = 0.0;
    for (std::size_t r = 0; r < a.log.size(); ++r) logged += a.relevance(a.log.users()[r], a.log.items()[r]);
    REQUIRE(logged / static_cast<double>(a.log.size()) > a.mean_relevance() + 0.1);
    REQUIRE_THROWS_AS(causal::simulate_causal({.users = 0}), cr::argument_error);
    REQUIRE_THROWS_AS(causal::simulate_causal({.items = 5, .random_items = 10}), cr::argument_error);
    REQUIRE_THROWS_AS(causal::simulate_causal({.mean_exposures = 0.0}), cr::argument_error);
}
