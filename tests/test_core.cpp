#include <causalrec/core/blas.hpp>
#include <causalrec/core/core.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_core {

namespace cr = causalrec;

// The bits of a value: the element-wise kernels must give the plain loops' results exactly, the
// sign of a zero and a NaN included.
template <class T>
auto bits_of(T v) {
    if constexpr (sizeof(T) == 8) return std::bit_cast<std::uint64_t>(v);
    else return std::bit_cast<std::uint32_t>(v);
}

TEMPLATE_TEST_CASE("elementwise: relu, its gradient and the row bias give the plain loops' bits", "[core][elementwise]", float, double) {
    using T = TestType;
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    // Special values, then a random tail; lengths 0 to 19 cover every remainder of 2 and 4 lanes.
    std::vector<T> base{T(-0.0), T(0), nan, -nan, T(1.5), T(-2.5), inf, -inf, std::numeric_limits<T>::denorm_min(), T(-1e-30)};
    cr::rng engine(5);
    while (base.size() < 40) base.push_back(static_cast<T>(engine.normal()));
    for (std::size_t n = 0; n < 20; ++n) {
        const std::vector<T> x(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(n)),
            g(base.rbegin(), base.rbegin() + static_cast<std::ptrdiff_t>(n));
        std::vector<T> out(n), in_place = x, grad(n);
        cr::elementwise::relu(x.data(), out.data(), n);
        cr::elementwise::relu(in_place.data(), in_place.data(), n);
        cr::elementwise::relu_gradient(g.data(), x.data(), grad.data(), n);
        for (std::size_t i = 0; i < n; ++i) {
            INFO("n " << n << ", value " << i << ": x " << x[i] << ", g " << g[i]);
            CHECK(bits_of(out[i]) == bits_of(std::max(x[i], T(0))));
            CHECK(bits_of(in_place[i]) == bits_of(out[i]));
            CHECK(bits_of(grad[i]) == bits_of(x[i] > T(0) ? g[i] : T(0)));
        }
    }
    // A 3 x 7 array (7: remainders of both widths) plus a bias, with and without relu.
    const std::size_t rows = 3, width = 7;
    const std::vector<T> bias(base.begin() + 10, base.begin() + 17);
    std::vector<T> y(base.begin() + 17, base.begin() + 38), y_relu = y;
    y[0] = nan, y[1] = T(-0.0), y_relu[0] = T(-1), y_relu[1] = -bias[1];  // -b + b = +0
    const std::vector<T> before = y, before_relu = y_relu;
    cr::elementwise::add_row_bias(y.data(), bias.data(), rows, width);
    cr::elementwise::add_row_bias<true>(y_relu.data(), bias.data(), rows, width);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < width; ++j) {
            const std::size_t k = r * width + j;
            INFO("row " << r << ", column " << j);
            CHECK(bits_of(y[k]) == bits_of(T(before[k] + bias[j])));
            CHECK(bits_of(y_relu[k]) == bits_of(std::max(T(before_relu[k] + bias[j]), T(0))));
        }
}

TEST_CASE("rng: same seed gives the same stream, different seeds differ", "[core][rng]") {
    cr::rng a(42), b(42), c(43);
    for (int i = 0; i < 100; ++i) {
        const auto x = a();
        REQUIRE(x == b());
        (void)c();
    }
    cr::rng d(42), e(43);
    int equal = 0;
    for (int i = 0; i < 100; ++i) equal += d() == e();
    REQUIRE(equal == 0);
}

TEST_CASE("rng: xoshiro256** reference output", "[core][rng]") {
    // Seed 0 goes through splitmix64; its first outputs are the published test vector
    // 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, ... (Vigna, splitmix64.c). xoshiro256**'s first output is
    // rotl(s[1] * 5, 7) * 9, computed here independently of the class.
    cr::rng r(0);
    const std::uint64_t first = r();
    cr::rng r2(0);
    REQUIRE(first == r2());
    const std::uint64_t s1 = 0x6e789e6aa1b965f4ULL;
    const std::uint64_t m = s1 * 5;
    const std::uint64_t expected = ((m << 7) | (m >> 57)) * 9;
    REQUIRE(first == expected);
}

TEST_CASE("rng: uniform, uniform_index and normal have the right moments", "[core][rng]") {
    cr::rng r(7);
    const int n = 200000;
    double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
    std::vector<int> counts(6, 0);
    for (int i = 0; i < n; ++i) {
        const double u = r.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        sum += u;
        sum2 += u * u;
        const double z = r.normal();
        nsum += z;
        nsum2 += z * z;
        counts[r.uniform_index(6)]++;
    }
    CHECK(sum / n == Catch::Approx(0.5).margin(0.005));
    CHECK(sum2 / n - (sum / n) * (sum / n) == Catch::Approx(1.0 / 12).margin(0.002));
    CHECK(nsum / n == Catch::Approx(0.0).margin(0.01));
    CHECK(nsum2 / n == Catch::Approx(1.0).margin(0.02));
    for (int c : counts) CHECK(c == Catch::Approx(n / 6.0).epsilon(0.03));
}

TEST_CASE("rng: permutation is a permutation and split streams differ", "[core][rng]") {
    cr::rng r(1);
    auto p = r.permutation(1000);
    std::set<std::size_t> s(p.begin(), p.end());
    REQUIRE(s.size() == 1000);
    REQUIRE(*s.rbegin() == 999);
    REQUIRE_FALSE(std::is_sorted(p.begin(), p.end()));
    cr::rng parent(5);
    cr::rng child = parent.split();
    int equal = 0;
    for (int i = 0; i < 100; ++i) equal += parent() == child();
    REQUIRE(equal == 0);
}

TEST_CASE("rng: shuffle is Fisher-Yates with the engine's draws, in blocks or not", "[core][rng]") {
    // shuffle draws its positions a block of 32 ahead (to prefetch them): the permutation must be the
    // one of the textbook loop, swap(v[i - 1], v[uniform_index(i)]) for i = n .. 2, with the same
    // draws, and the engine must end in the same state; sizes around the block edges.
    for (const std::size_t n : {0UL, 1UL, 2UL, 3UL, 32UL, 33UL, 34UL, 65UL, 1000UL}) {
        std::vector<int> blocked(n), plain(n);
        std::iota(blocked.begin(), blocked.end(), 0);
        std::iota(plain.begin(), plain.end(), 0);
        cr::rng a(77), b(77);
        a.shuffle(std::span<int>(blocked));
        for (std::size_t i = n; i > 1; --i) std::swap(plain[i - 1], plain[static_cast<std::size_t>(b.uniform_index(i))]);
        INFO("n = " << n);
        CHECK(blocked == plain);
        CHECK(a() == b());
    }
}

TEST_CASE("errors: hierarchy and parse_error location", "[core][error]") {
    cr::parse_error e("data.csv", 12, 3, "cannot parse 'abc' as a number", "age");
    REQUIRE(std::string(e.what()) == "data.csv:12:3 (column 'age'): cannot parse 'abc' as a number");
    REQUIRE(e.line() == 12);
    REQUIRE(e.column() == 3);
    REQUIRE(e.column_name() == "age");
    const cr::error& base = e;
    REQUIRE(std::string(base.what()).find("data.csv") == 0);
    REQUIRE_THROWS_AS(throw cr::shape_error("x"), cr::error);
    REQUIRE_THROWS_AS(throw cr::not_fitted_error("x"), cr::error);
    REQUIRE_THROWS_AS(throw cr::format_error("x"), cr::error);
    REQUIRE_THROWS_AS(throw cr::numeric_error("x"), cr::error);
    REQUIRE_THROWS_AS(throw cr::argument_error("x"), cr::error);
}

TEST_CASE("threads: set_num_threads governs the library and OpenBLAS", "[core][threads]") {
    REQUIRE_THROWS_AS(cr::set_num_threads(0), cr::argument_error);
    cr::set_num_threads(1);
    REQUIRE(cr::num_threads() == 1);
    if (cr::openblas_linked()) REQUIRE(cr::blas_num_threads() == 1);
    cr::set_num_threads(2);
    REQUIRE(cr::num_threads() == 2);
    if (cr::openblas_linked()) {
        REQUIRE(cr::blas_num_threads() == 2);
        REQUIRE(cr::blas_info().find("OpenBLAS") != std::string::npos);
    }
}

TEST_CASE("tensor aliases are fixed-rank xtensor containers", "[core][tensor]") {
    cr::matrix<float> m = xt::zeros<float>({3, 4});
    STATIC_REQUIRE(std::is_same_v<cr::matrix<float>, xt::xtensor<float, 2>>);
    REQUIRE(m.shape()[0] == 3);
    REQUIRE(m.shape()[1] == 4);
    cr::vector<double> v = {1.0, 2.0};
    REQUIRE(v.size() == 2);
}

TEST_CASE("blas_kernel_warning: set exactly when OpenBLAS runs baseline kernels on an AVX2 CPU", "[core]") {
    const std::string info = cr::blas_info(), warning = cr::blas_kernel_warning();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    const bool baseline_core = info.find("(core Prescott)") != std::string::npos || info.find("(core Core2)") != std::string::npos ||
                               info.find("(core Nehalem)") != std::string::npos;
    const bool expected = baseline_core && __builtin_cpu_supports("avx2");
    INFO(info);
    REQUIRE(warning.empty() == !expected);
    if (expected) REQUIRE(warning.find("OPENBLAS_CORETYPE") != std::string::npos);
#else
    REQUIRE(warning.empty());
#endif
}

TEST_CASE("core: the incomplete beta function and the t and F tails equal SciPy", "[core][math]") {
    using Catch::Matchers::WithinRel;
    // scipy 1.10.1: scipy.special.betainc, scipy.stats.f.sf, 2 * scipy.stats.t.sf.
    CHECK_THAT(cr::regularized_incomplete_beta(2.0, 3.0, 0.4), WithinRel(0.5247999999999999, 1e-13));
    CHECK_THAT(cr::regularized_incomplete_beta(0.5, 0.5, 0.1), WithinRel(0.2048327646991335, 1e-13));
    CHECK_THAT(cr::regularized_incomplete_beta(50.0, 20.0, 0.7), WithinRel(0.3825092483812336, 1e-12));
    CHECK(cr::regularized_incomplete_beta(2.0, 3.0, 0.0) == 0.0);
    CHECK(cr::regularized_incomplete_beta(2.0, 3.0, 1.0) == 1.0);
    CHECK_THAT(cr::f_upper_tail(2.5, 3.0, 40.0), WithinRel(0.07325435201794978, 1e-12));
    CHECK_THAT(cr::f_upper_tail(0.7, 5.0, 1000.0), WithinRel(0.6235199534224457, 1e-12));
    CHECK_THAT(cr::f_upper_tail(12.0, 2.0, 7.0), WithinRel(0.005471132235099242, 1e-12));
    CHECK(cr::f_upper_tail(0.0, 2.0, 7.0) == 1.0);
    CHECK_THAT(cr::student_t_two_sided_p(2.1, 15.0), WithinRel(0.05305525615204276, 1e-12));
    CHECK_THAT(cr::student_t_two_sided_p(-0.3, 3.0), WithinRel(0.783763292039919, 1e-12));
    CHECK_THROWS_WITH(cr::regularized_incomplete_beta(0.0, 1.0, 0.5), Catch::Matchers::StartsWith("causalrec::core::regularized_incomplete_beta: "));
    CHECK_THROWS_AS(cr::f_upper_tail(1.0, 0.0, 3.0), cr::argument_error);
    CHECK_THROWS_AS(cr::student_t_two_sided_p(1.0, -1.0), cr::argument_error);
}

TEST_CASE("core: error messages start with causalrec::core::<function>", "[core][messages]") {
    CHECK_THROWS_WITH(cr::normal_quantile(2.0), Catch::Matchers::StartsWith("causalrec::core::normal_quantile: "));
}

TEST_CASE("first_non_finite finds the first NaN or infinity at any position of a long array", "[core][checks]") {
    // Positions at the start, inside and at both edges of the 4096-value scan blocks, and the end.
    for (const std::size_t n : {1UL, 4095UL, 4096UL, 4097UL, 10000UL}) {
        std::vector<float> f(n, 1.5f);
        std::vector<double> d(n, -2.0);
        CHECK(cr::first_non_finite(f.data(), n) == n);
        CHECK(cr::first_non_finite(d.data(), n) == n);
        for (const std::size_t at : {0UL, n / 2, n - 1, 4095UL, 4096UL}) {
            if (at >= n) continue;
            for (const double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity()}) {
                std::vector<float> fb = f;
                std::vector<double> db = d;
                fb[at] = static_cast<float>(bad);
                db[at] = bad;
                if (at + 1 < n) fb[n - 1] = db[n - 1] = std::numeric_limits<float>::infinity();  // a later one is not reported
                CHECK(cr::first_non_finite(fb.data(), n) == at);
                CHECK(cr::first_non_finite(db.data(), n) == at);
            }
        }
    }
    // The largest finite values and denormals are finite.
    const std::vector<float> edge{std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                                  std::numeric_limits<float>::denorm_min(), 0.0f, -0.0f};
    CHECK(cr::first_non_finite(edge.data(), edge.size()) == edge.size());
    const cr::matrix<double> m{{1.0, 2.0}, {3.0, std::numeric_limits<double>::quiet_NaN()}};
    CHECK_THROWS_WITH(cr::require_finite("causalrec::core::test", "M", m), Catch::Contains("at row 1, column 1"));
}

TEST_CASE("linalg::axpy adds a * x to y at every length, blocks of eight and tail alike", "[core][linalg]") {
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 16u, 23u}) {
        std::vector<double> x(n), y(n), expected(n);
        for (std::size_t k = 0; k < n; ++k) {
            x[k] = 0.5 * static_cast<double>(k) - 1.0;
            y[k] = 3.0 - static_cast<double>(k * k);
            expected[k] = y[k] + (-1.25) * x[k];
        }
        causalrec::linalg::axpy(-1.25, x.data(), y.data(), n);
        CHECK(y == expected);  // element by element, the same rounding as the scalar loop
    }
}

TEST_CASE("linalg::gram_of_rows: the upper triangle of T^T T and T^T w over gathered rows", "[core][linalg]") {
    // k = 16, 48, 64 and 128 run the AVX-512 kernel where the CPU has it (one panel; partial and full
    // groups of four panels; two groups, b over both), k = 7 the plain loops; 11, 3 and no rows;
    // against a double-precision sum over the same gathered rows.
    causalrec::rng engine(4);
    for (const std::size_t k : {7UL, 16UL, 48UL, 64UL, 128UL}) {
        const std::size_t table_rows = 40;
        std::vector<float> table(table_rows * k);
        for (auto& v : table) v = static_cast<float>(engine.normal());
        for (const auto& ids : {std::vector<std::size_t>{3, 17, 3, 39, 0, 22, 8, 8, 31, 5, 12},  // repeats allowed
                                 std::vector<std::size_t>{9, 2, 30},  // fewer than the prefetch distance
                                 std::vector<std::size_t>{}}) {
            std::vector<float> w(ids.size());
            for (auto& v : w) v = static_cast<float>(engine.normal());
            std::vector<float> a(k * k, -7.0f), b(k, -7.0f);
            causalrec::linalg::gram_of_rows(table.data(), ids, k, w.data(), a.data(), b.data());
            INFO("k = " << k << ", " << ids.size() << " rows, vectorized " << causalrec::linalg::gram_of_rows_vectorized(k));
            for (std::size_t r = 0; r < k; ++r) {
                double eb = 0.0, sb = 0.0;
                for (std::size_t j = 0; j < ids.size(); ++j) {
                    eb += static_cast<double>(w[j]) * table[ids[j] * k + r];
                    sb += std::abs(static_cast<double>(w[j]) * table[ids[j] * k + r]);
                }
                CHECK(std::abs(b[r] - eb) <= 12 * 6e-8 * sb + 1e-30);
                for (std::size_t c = r; c < k; ++c) {
                    double e = 0.0, scale = 0.0;
                    for (std::size_t id : ids) {
                        e += static_cast<double>(table[id * k + r]) * table[id * k + c];
                        scale += std::abs(static_cast<double>(table[id * k + r]) * table[id * k + c]);
                    }
                    CHECK(std::abs(a[r * k + c] - e) <= 12 * 6e-8 * scale + 1e-30);
                }
            }
        }
    }
    CHECK_FALSE(causalrec::linalg::gram_of_rows_vectorized(7));
    CHECK_FALSE(causalrec::linalg::gram_of_rows_vectorized(0));
}

TEST_CASE("linalg::batched_cholesky_solve: sixteen systems at once, as cholesky_solve solves each", "[core][linalg]") {
    // k = 4, 20 and 64 run the AVX-512 kernel's 4 x 4 register blocks (64 also the block transposes)
    // where the CPU has them, k = 1, 6 and 33 the portable loop (k not a multiple of 4);
    // each lane against linalg::cholesky_solve in double on the same system, and the AVX-512 kernel
    // against the portable loop (the same updates in the same order: equal where both contract
    // a - u * v into one FMA, as optimised builds do).
    namespace la = causalrec::linalg;
    constexpr std::size_t L = la::cholesky_lanes;
    // 64-byte aligned lanes: alignof(float_lanes) follows this file's target (docs/pitfalls.md).
    struct lanes {
        std::vector<float> storage;
        la::float_lanes* p;
        explicit lanes(std::size_t n) : storage((n + 1) * L) {
            void* base = storage.data();
            std::size_t space = storage.size() * sizeof(float);
            p = static_cast<la::float_lanes*>(std::align(64, n * sizeof(la::float_lanes), base, space));
        }
        la::float_lanes& operator[](std::size_t i) { return p[i]; }
    };
    causalrec::rng engine(9);
    for (const std::size_t k : {1UL, 4UL, 6UL, 20UL, 33UL, 64UL}) {
        for (const std::size_t count : {L, std::size_t{5}}) {
            const std::size_t stride = k * k + 3;
            std::vector<float> systems(L * stride, -9.0f), rhs(L * k, -9.0f);  // -9: not read (below the diagonal, unused lanes)
            for (std::size_t s = 0; s < count; ++s) {
                // A = X^T X + n/4 I over 2k + 1 random rows: positive definite, condition number ~10.
                const std::size_t n = 2 * k + 1;
                std::vector<float> x(n * k);
                for (auto& v : x) v = static_cast<float>(engine.normal());
                for (std::size_t r = 0; r < k; ++r) {
                    for (std::size_t c = r; c < k; ++c) {
                        float e = r == c ? 0.25f * static_cast<float>(n) : 0.0f;
                        for (std::size_t j = 0; j < n; ++j) e += x[j * k + r] * x[j * k + c];
                        systems[s * stride + r * k + c] = e;
                    }
                    rhs[s * k + r] = static_cast<float>(engine.normal());
                }
            }
            lanes a(k * k), b(k), a2(k * k), b2(k);
            la::systems_to_lanes(k, count, systems.data(), stride, rhs.data(), a.p, b.p);
            std::copy_n(a.p, k * k, a2.p);
            std::copy_n(b.p, k, b2.p);
            INFO("k = " << k << ", systems " << count);
            REQUIRE(la::batched_cholesky_solve(k, a.p, b.p));
            REQUIRE(la::detail::batched_cholesky_solve_portable(k, a2.p, b2.p));
            for (std::size_t s = 0; s < L; ++s) {
                std::vector<double> ad(k * k, 0.0), bd(k, 0.0);
                for (std::size_t r = 0; r < k; ++r) {
                    for (std::size_t c = r; c < k; ++c) ad[r * k + c] = s < count ? systems[s * stride + r * k + c] : (r == c ? 1.0 : 0.0);
                    bd[r] = s < count ? rhs[s * k + r] : 0.0;
                }
                REQUIRE(la::cholesky_solve(k, ad.data(), bd.data()));
                for (std::size_t r = 0; r < k; ++r) {
                    CHECK(std::abs(b[r][s] - bd[r]) <= 1e-4 * (1.0 + std::abs(bd[r])));
                    CHECK(std::abs(b[r][s] - b2[r][s]) <= 1e-5f * (1.0f + std::abs(b2[r][s])));
                }
            }
        }
    }
    // One lane not positive definite (a zero pivot) fails the batch; the other lanes are still solved.
    const std::size_t k = 8;
    std::vector<float> systems(L * k * k, 0.0f), rhs(L * k, 1.0f);
    for (std::size_t s = 0; s < L; ++s)
        for (std::size_t r = 0; r < k; ++r) systems[s * k * k + r * k + r] = s == 3 && r == 5 ? 0.0f : 2.0f;
    lanes a(k * k), b(k);
    la::systems_to_lanes(k, L, systems.data(), k * k, rhs.data(), a.p, b.p);
    CHECK_FALSE(la::batched_cholesky_solve(k, a.p, b.p));
    CHECK(b[0][0] == 0.5f);  // 2 x = 1
}

TEST_CASE("bce_from_logits_and_derivative equals bce_from_logits and sigmoid_minus bit for bit", "[core][math]") {
    for (double z : {-745.0, -50.0, -3.5, -1e-12, 0.0, 1e-12, 0.7, 12.0, 50.0, 710.0})
        for (double y : {0.0, 0.25, 1.0}) {
            const auto [value, derivative] = causalrec::bce_from_logits_and_derivative(z, y);
            CHECK(value == causalrec::bce_from_logits(z, y));
            CHECK(derivative == causalrec::sigmoid_minus(z, y));
        }
    // Hand values: z = 0, y = 1 gives log 2 and -1/2.
    CHECK(causalrec::bce_from_logits_and_derivative(0.0, 1.0).first == Approx(std::log(2.0)).epsilon(1e-15));
    CHECK(causalrec::bce_from_logits_and_derivative(0.0, 1.0).second == -0.5);
}

TEST_CASE("blas::cholesky_factor_blocked: the factor and solution of the unblocked Cholesky, and refuses a matrix that is not positive definite", "[core][linalg]") {
    // Sizes below, at and across the 64-row blocks: A = G^T G / m + I (symmetric positive definite).
    for (std::size_t n : {1u, 5u, 64u, 65u, 200u}) {
        cr::rng engine(n);
        const std::size_t m = n + 3;
        std::vector<double> g(m * n), a(n * n, 0.0), b(n);
        for (auto& v : g) v = engine.normal();
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < n; ++j) {
                for (std::size_t r = 0; r < m; ++r) a[i * n + j] += g[r * n + i] * g[r * n + j] / static_cast<double>(m);
                if (i == j) a[i * n + j] += 1.0;
            }
            b[i] = engine.normal();
        }
        auto unblocked = a, blocked = a;
        auto x_unblocked = b, x_blocked = b;
        REQUIRE(cr::linalg::cholesky_solve(n, unblocked.data(), x_unblocked.data(), 1e-12));
        REQUIRE(cr::blas::cholesky_factor_blocked(n, blocked.data(), 1e-12));
        cr::blas::cholesky_solve_factored(n, blocked.data(), x_blocked.data());
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = i; j < n; ++j) CHECK(blocked[i * n + j] == Approx(unblocked[i * n + j]).margin(1e-12));
            for (std::size_t j = 0; j < i; ++j) CHECK(blocked[i * n + j] == a[i * n + j]);  // lower triangle untouched
            CHECK(x_blocked[i] == Approx(x_unblocked[i]).margin(1e-10));
        }
        // A x = b holds for the blocked solution.
        for (std::size_t i = 0; i < n; ++i) {
            double ax = 0.0;
            for (std::size_t j = 0; j < n; ++j) ax += a[i * n + j] * x_blocked[j];
            CHECK(ax == Approx(b[i]).margin(1e-10));
        }
    }
    // Not positive definite: rank 1 (the second pivot is zero), and indefinite in the second block.
    const std::size_t n = 100;
    std::vector<double> a(n * n), d(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) a[i * n + j] = static_cast<double>((i + 1) * (j + 1));
        d[i * n + i] = i == 80 ? -1.0 : 1.0;
    }
    CHECK_FALSE(cr::blas::cholesky_factor_blocked(n, a.data(), 1e-12));
    CHECK_FALSE(cr::blas::cholesky_factor_blocked(n, d.data()));
}

}  // namespace causalrec_test_core
