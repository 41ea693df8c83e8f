// The Rényi DP accountant (privacy/accountant.hpp) against the values of TensorFlow Privacy's and
// Opacus's own tests, the closed forms at q = 1 and q = 0, integer and fractional orders against each
// other, the noise multiplier for a target epsilon, errors.
#include <causalrec/privacy/privacy.hpp>

#include <cmath>
#include <vector>

#include "catch.hpp"

namespace cr = causalrec;
namespace privacy = causalrec::privacy;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("privacy: epsilon of DP-SGD runs equals TensorFlow Privacy's and Opacus's test values", "[privacy]") {
    // TensorFlow Privacy (compute_dp_sgd_privacy tests): n 60000, batch 150, sigma 1.3, 15 epochs, delta 1e-5.
    const auto mnist = privacy::dp_sgd_privacy(150.0 / 60000.0, 1.3, 15 * 60000 / 150, 1e-5);
    CHECK_THAT(mnist.epsilon, WithinRel(0.7242234026, 1e-6));
    CHECK(mnist.order == 19.0);
    // n 100000, batch 100, sigma 1.0, 30 epochs, delta 1e-7.
    const auto large = privacy::dp_sgd_privacy(100.0 / 100000.0, 1.0, 30 * 100000 / 100, 1e-7);
    CHECK_THAT(large.epsilon, WithinRel(1.4154988495, 1e-6));
    CHECK(large.order == 13.0);
    // Opacus (test_privacy_engine / RDP accountant): q 0.04, sigma 1.5, 2250 steps, delta 1e-5.
    const auto opacus = privacy::dp_sgd_privacy(0.04, 1.5, 2250, 1e-5);
    CHECK_THAT(opacus.epsilon, WithinRel(7.3291111714, 1e-6));
    CHECK_THAT(opacus.order, WithinAbs(3.9, 1e-12));
    // Composition is additive: two halves equal the whole.
    privacy::rdp_accountant halves;
    halves.compose(0.04, 1.5, 1125), halves.compose(0.04, 1.5, 1125);
    CHECK_THAT(halves.epsilon(1e-5), WithinRel(opacus.epsilon, 1e-12));
}

TEST_CASE("privacy: the sampled Gaussian's RDP by hand", "[privacy]") {
    // q = 1: the Gaussian mechanism, alpha / (2 sigma^2); q = 0: nothing released.
    CHECK_THAT(privacy::rdp_sampled_gaussian(1.0, 2.0, 3.5), WithinRel(3.5 / 8.0, 1e-15));
    CHECK(privacy::rdp_sampled_gaussian(0.0, 2.0, 3.5) == 0.0);
    // Order 2 by the binomial sum: A_2 = (1 - q)^2 + 2 q (1 - q) + q^2 e^(1/sigma^2) = 1 + q^2 (e^(1/sigma^2) - 1);
    // RDP = log A_2 (3.7700224391936e-4 here; the sum of three logs agrees to about 1e-12).
    const double q = 0.01, sigma = 0.8;
    CHECK_THAT(privacy::rdp_sampled_gaussian(q, sigma, 2.0), WithinRel(std::log1p(q * q * std::expm1(1.0 / (sigma * sigma))), 1e-11));
    // The fractional series is continuous with the integer sum on both sides of an integer order.
    const double at3 = privacy::rdp_sampled_gaussian(q, sigma, 3.0);
    CHECK_THAT(privacy::rdp_sampled_gaussian(q, sigma, 3.0 - 1e-9), WithinRel(at3, 1e-6));
    CHECK_THAT(privacy::rdp_sampled_gaussian(q, sigma, 3.0 + 1e-9), WithinRel(at3, 1e-6));
    // RDP grows with the order and with q, falls with sigma.
    CHECK(privacy::rdp_sampled_gaussian(q, sigma, 4.5) > privacy::rdp_sampled_gaussian(q, sigma, 3.5));
    CHECK(privacy::rdp_sampled_gaussian(0.02, sigma, 3.5) > privacy::rdp_sampled_gaussian(q, sigma, 3.5));
    CHECK(privacy::rdp_sampled_gaussian(q, 1.5, 3.5) < privacy::rdp_sampled_gaussian(q, sigma, 3.5));
    // Subsampling amplifies privacy: at small q the RDP is far below the unsampled mechanism's.
    CHECK(privacy::rdp_sampled_gaussian(q, sigma, 3.5) < q * privacy::rdp_sampled_gaussian(1.0, sigma, 3.5));
}

TEST_CASE("privacy: the noise multiplier for a target epsilon", "[privacy]") {
    const double sigma = privacy::noise_multiplier_for(0.7242234026, 150.0 / 60000.0, 6000, 1e-5);
    CHECK_THAT(sigma, WithinRel(1.3, 1e-5));
    for (double target : {1.0, 3.0, 8.0}) {
        const double s = privacy::noise_multiplier_for(target, 256.0 / 60000.0, 60 * 60000 / 256, 1e-5);
        INFO("epsilon " << target << ": sigma " << s);
        CHECK(privacy::dp_sgd_privacy(256.0 / 60000.0, s, 60 * 60000 / 256, 1e-5).epsilon <= target);
        CHECK(privacy::dp_sgd_privacy(256.0 / 60000.0, s * (1 - 1e-4), 60 * 60000 / 256, 1e-5).epsilon > target);
    }
}

TEST_CASE("privacy: errors", "[privacy][errors]") {
    CHECK_THROWS_AS(privacy::rdp_sampled_gaussian(1.5, 1.0, 2.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_sampled_gaussian(0.1, 0.0, 2.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_sampled_gaussian(0.1, 1.0, 1.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_accountant(std::vector<double>{}), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_accountant(std::vector<double>{0.5, 2.0}), cr::argument_error);
    CHECK_THROWS_AS(privacy::rdp_accountant().spent(0.0), cr::argument_error);
    CHECK_THROWS_AS(privacy::noise_multiplier_for(0.0, 0.01, 100, 1e-5), cr::argument_error);
    // Nothing composed: nothing spent.
    CHECK(privacy::rdp_accountant().epsilon(1e-5) == 0.0);
}
