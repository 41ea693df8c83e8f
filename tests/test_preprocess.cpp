#include <causalrec/core/rng.hpp>
#include <causalrec/preprocess/preprocess.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_preprocess {

namespace cr = causalrec;
namespace pp = causalrec::preprocess;

// Reference values below come from scikit-learn 1.2.1 (numpy 1.24.2), computed in float64 on the same
// inputs; scikit-learn's float32 results agree with them within 1e-6, the tolerance used for float.

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
using rows = std::vector<std::vector<double>>;

template <class T>
cr::matrix<T> make(const rows& r) {
    auto m = cr::make_matrix<T>(r.size(), r.empty() ? 0 : r[0].size());
    for (std::size_t i = 0; i < r.size(); ++i)
        for (std::size_t j = 0; j < r[i].size(); ++j) m(i, j) = static_cast<T>(r[i][j]);
    return m;
}

template <class T>
double tolerance() {
    return std::is_same_v<T, float> ? 1e-6 : 1e-12;
}

/// Checks shape, NaN positions and values (within the type's tolerance) against a reference.
template <class T>
void require_close(const cr::matrix<T>& actual, const rows& expected) {
    REQUIRE(actual.shape()[0] == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        REQUIRE(actual.shape()[1] == expected[i].size());
        for (std::size_t j = 0; j < expected[i].size(); ++j) {
            INFO("entry (" << i << ", " << j << ")");
            if (std::isnan(expected[i][j])) {
                REQUIRE(std::isnan(actual(i, j)));
            } else {
                REQUIRE_THAT(static_cast<double>(actual(i, j)),
                             Catch::Matchers::WithinAbs(expected[i][j], tolerance<T>()));
            }
        }
    }
}

/// Bitwise-equal matrices, NaN equal to NaN.
template <class T>
bool identical(const cr::matrix<T>& a, const cr::matrix<T>& b) {
    if (a.shape()[0] != b.shape()[0] || a.shape()[1] != b.shape()[1]) return false;
    for (std::size_t i = 0; i < a.shape()[0]; ++i)
        for (std::size_t j = 0; j < a.shape()[1]; ++j) {
            const bool both_nan = std::isnan(a(i, j)) && std::isnan(b(i, j));
            if (!both_nan && a(i, j) != b(i, j)) return false;
        }
    return true;
}

void require_vector(const std::vector<double>& actual, const std::vector<double>& expected) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t j = 0; j < expected.size(); ++j) {
        if (std::isnan(expected[j]))
            REQUIRE(std::isnan(actual[j]));
        else
            REQUIRE_THAT(actual[j], Catch::Matchers::WithinAbs(expected[j], 1e-12));
    }
}

/// The message of the causalrec error f throws (fails the test when nothing or something else is thrown).
template <class F>
std::string error_message(F&& f) {
    try {
        f();
    } catch (const cr::error& e) {
        return e.what();
    }
    FAIL("no causalrec::error was thrown");
    return {};
}

/// The state round-tripped through its text form.
nlohmann::json reparse(const nlohmann::json& j) { return nlohmann::json::parse(j.dump()); }

// Shared inputs: NaNs, a constant column, ties.
const rows X_num = {{1, 2, 5}, {2, NaN, 5}, {4, 6, 5}, {NaN, 7, 5}};
const rows X_num_test = {{0, 1, 4}, {3, NaN, 6}};
const rows X_imp = {{1, 3, NaN}, {NaN, 3, 2}, {7, 1, 2}, {4, 1, NaN}, {1, NaN, 5}};
const rows X_cat = {{1, 0, 3, 1}, {2, NaN, 3, 0}, {1, 5, 3, 1}, {0, 0, 3, 1}};
const rows X_cat_test = {{2, 5, 3, 0}, {0, NaN, 3, 1}};
const rows X_mixed = {{25, 1, 50000}, {NaN, 2, 60000}, {40, 1, NaN}, {33, 3, 45000}};

/// A user-written preprocessor: a plain struct, no base class. Applies log1p to every value.
struct log1p_step {
    std::size_t n_features = 0;
    bool fitted = false;

    template <std::floating_point T>
    log1p_step& fit(const cr::matrix<T>& X) {
        n_features = X.shape()[1];
        fitted = true;
        return *this;
    }
    template <std::floating_point T>
    cr::matrix<T> transform(const cr::matrix<T>& X) const {
        if (!fitted) throw cr::not_fitted_error("log1p_step: transform called before fit");
        cr::matrix<T> out = X;
        for (auto& v : out) v = std::log1p(v);
        return out;
    }
    template <std::floating_point T>
    cr::matrix<T> fit_transform(const cr::matrix<T>& X) {
        return fit(X).transform(X);
    }
    bool is_fitted() const { return fitted; }
    nlohmann::json to_json() const { return {{"type", "log1p_step"}, {"fitted", fitted}, {"n", n_features}}; }
    static log1p_step from_json(const nlohmann::json& j) {
        if (!j.is_object() || j.value("type", "") != "log1p_step") throw cr::format_error("log1p_step: bad state");
        return log1p_step{j.at("n").get<std::size_t>(), j.at("fitted").get<bool>()};
    }
};

/// Not a preprocessor: no JSON state.
struct stateless_step {
    template <std::floating_point T>
    stateless_step& fit(const cr::matrix<T>&) {
        return *this;
    }
    template <std::floating_point T>
    cr::matrix<T> transform(const cr::matrix<T>& X) const {
        return X;
    }
    template <std::floating_point T>
    cr::matrix<T> fit_transform(const cr::matrix<T>& X) {
        return X;
    }
    bool is_fitted() const { return true; }
};

}  // namespace

// ---- concepts --------------------------------------------------------------------------------------

TEST_CASE("concepts: shipped types and a user struct are preprocessors, incomplete types are not",
          "[preprocess][concepts]") {
    STATIC_REQUIRE(pp::Preprocessor<pp::standard_scaler, float>);
    STATIC_REQUIRE(pp::Preprocessor<pp::min_max_scaler, double>);
    STATIC_REQUIRE(pp::Preprocessor<pp::simple_imputer, float>);
    STATIC_REQUIRE(pp::Preprocessor<pp::one_hot_encoder, double>);
    STATIC_REQUIRE(pp::Preprocessor<pp::ordinal_encoder, float>);
    STATIC_REQUIRE(pp::Preprocessor<pp::pipeline<pp::simple_imputer, log1p_step>, double>);
    STATIC_REQUIRE(pp::Preprocessor<pp::column_transformer<log1p_step, pp::one_hot_encoder>, float>);
    STATIC_REQUIRE(pp::Preprocessor<log1p_step, float>);
    STATIC_REQUIRE(pp::Preprocessor<log1p_step, double>);
    STATIC_REQUIRE_FALSE(pp::Preprocessor<stateless_step, double>);
    STATIC_REQUIRE_FALSE(pp::Preprocessor<pp::standard_scaler, int>);
    STATIC_REQUIRE(pp::NamesOutputs<pp::one_hot_encoder>);
    STATIC_REQUIRE_FALSE(pp::NamesOutputs<log1p_step>);
    STATIC_REQUIRE_FALSE(pp::NamesOutputs<pp::pipeline<pp::standard_scaler, log1p_step>>);
}

// ---- standard_scaler -------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("standard_scaler matches scikit-learn, NaN ignored at fit and kept", "[preprocess][scaler]",
                   float, double) {
    pp::standard_scaler s;
    // scikit-learn 1.2.1: StandardScaler().fit_transform(X_num)
    require_close(s.fit_transform(make<TestType>(X_num)), {{-1.0690449676496978, -1.3887301496588271, 0.0},
                                                           {-0.2672612419124245, NaN, 0.0},
                                                           {1.3363062095621219, 0.4629100498862757, 0.0},
                                                           {NaN, 0.9258200997725514, 0.0}});
    // scikit-learn 1.2.1: mean_, var_, scale_ (constant column -> scale 1)
    require_vector(s.mean(), {2.3333333333333335, 5.0, 5.0});
    require_vector(s.var(), {1.5555555555555554, 4.666666666666667, 0.0});
    require_vector(s.scale(), {1.247219128924647, 2.160246899469287, 1.0});
    // scikit-learn 1.2.1: StandardScaler().fit(X_num).transform(X_num_test)
    require_close(s.transform(make<TestType>(X_num_test)),
                  {{-1.8708286933869709, -1.8516401995451028, -1.0}, {0.5345224838248487, NaN, 1.0}});
}

TEMPLATE_TEST_CASE("standard_scaler with_mean / with_std options match scikit-learn", "[preprocess][scaler]", float,
                   double) {
    const auto X = make<TestType>(X_num);
    // scikit-learn 1.2.1: StandardScaler(with_mean=False).fit_transform(X_num)
    require_close(pp::standard_scaler{{.with_mean = false}}.fit_transform(X),
                  {{0.8017837257372732, 0.9258200997725514, 5.0},
                   {1.6035674514745464, NaN, 5.0},
                   {3.2071349029490928, 2.7774602993176543, 5.0},
                   {NaN, 3.2403703492039297, 5.0}});
    // scikit-learn 1.2.1: StandardScaler(with_std=False).fit_transform(X_num)
    require_close(pp::standard_scaler{{.with_std = false}}.fit_transform(X),
                  {{-1.3333333333333335, -3.0, 0.0}, {-0.3333333333333335, NaN, 0.0}, {1.6666666666666665, 1.0, 0.0},
                   {NaN, 2.0, 0.0}});
    pp::standard_scaler neither({.with_mean = false, .with_std = false});
    require_close(neither.fit_transform(X), X_num);
    REQUIRE(neither.mean().empty());
}

// ---- min_max_scaler --------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("min_max_scaler matches scikit-learn, constant column maps to the range minimum",
                   "[preprocess][scaler]", float, double) {
    pp::min_max_scaler m;
    // scikit-learn 1.2.1: MinMaxScaler().fit_transform(X_num)
    require_close(m.fit_transform(make<TestType>(X_num)),
                  {{0.0, 0.0, 0.0}, {0.3333333333333333, NaN, 0.0}, {1.0, 0.8000000000000002, 0.0}, {NaN, 1.0, 0.0}});
    // scikit-learn 1.2.1: scale_, min_
    const double s_tol = 1e-15;  // the state is computed in double from exactly representable inputs
    REQUIRE_THAT(m.scale()[0], Catch::Matchers::WithinAbs(0.3333333333333333, s_tol));
    REQUIRE_THAT(m.scale()[1], Catch::Matchers::WithinAbs(0.2, s_tol));
    REQUIRE(m.scale()[2] == 1.0);
    REQUIRE_THAT(m.min()[2], Catch::Matchers::WithinAbs(-5.0, s_tol));
    // scikit-learn 1.2.1: MinMaxScaler().fit(X_num).transform(X_num_test) (out of range, no clip)
    require_close(m.transform(make<TestType>(X_num_test)),
                  {{-0.3333333333333333, -0.2, -1.0}, {0.6666666666666667, NaN, 1.0}});
}

TEMPLATE_TEST_CASE("min_max_scaler feature_range and clip match scikit-learn", "[preprocess][scaler]", float, double) {
    const auto X = make<TestType>(X_num);
    pp::min_max_scaler clipped({.feature_range = {-1.0, 1.0}, .clip = true});
    // scikit-learn 1.2.1: MinMaxScaler(feature_range=(-1, 1), clip=True).fit_transform(X_num)
    require_close(clipped.fit_transform(X), {{-0.9999999999999999, -1.0, -1.0},
                                             {-0.33333333333333326, NaN, -1.0},
                                             {1.0, 0.6000000000000003, -1.0},
                                             {NaN, 1.0, -1.0}});
    // scikit-learn 1.2.1: ... .transform(X_num_test), with and without clip
    require_close(clipped.transform(make<TestType>(X_num_test)), {{-1.0, -1.0, -1.0}, {0.3333333333333335, NaN, 1.0}});
    pp::min_max_scaler unclipped({.feature_range = {-1.0, 1.0}});
    unclipped.fit(X);
    require_close(unclipped.transform(make<TestType>(X_num_test)),
                  {{-1.6666666666666665, -1.4, -3.0}, {0.3333333333333335, NaN, 1.0}});
    REQUIRE_THROWS_AS(pp::min_max_scaler({.feature_range = {1.0, 1.0}}).fit(X), cr::argument_error);
}

// ---- robust_scaler and quantile_clipper ------------------------------------------------------------

namespace {
// An outlier (100) in column 0, a NaN in column 1, a constant column 2.
const rows X_robust = {{1.0, -2.0, 5.0}, {2.0, NaN, 5.0}, {3.5, 0.5, 5.0}, {100.0, 1.0, 5.0}, {-4.0, 3.0, 5.0}, {0.25, 2.5, 5.0}, {7.0, -1.5, 5.0}};
}  // namespace

TEST_CASE("robust_scaler matches scikit-learn's RobustScaler", "[preprocess][scaler]") {
    const auto X = make<double>(X_robust);
    const auto probe = make<double>({{2.0, 1.0, 6.0}});
    // scikit-learn (Debian python3-sklearn): RobustScaler().fit(X): center_ (2, 0.75, 5), scale_ (4.625, 3.125, 1).
    pp::robust_scaler plain;
    plain.fit(X);
    REQUIRE(plain.center() == std::vector<double>{2.0, 0.75, 5.0});
    REQUIRE(plain.scale() == std::vector<double>{4.625, 3.125, 1.0});
    require_close(plain.transform(probe), {{0.0, 0.08, 1.0}});
    // quantile_range=(10, 90): scale_ (45.65, 4.5, 1).
    pp::robust_scaler wide({.quantile_range = {10.0, 90.0}});
    wide.fit(X);
    REQUIRE_THAT(wide.scale()[0], Catch::Matchers::WithinRel(45.65, 1e-14));
    REQUIRE_THAT(wide.scale()[1], Catch::Matchers::WithinRel(4.5, 1e-14));
    require_close(wide.transform(probe), {{0.0, 0.05555555555555555, 1.0}});
    // unit_variance=True: scale_ (3.42851763, 2.31656597, 0.74130111); transform (0, 0.10791836, 1.3489795).
    pp::robust_scaler unit({.unit_variance = true});
    unit.fit(X);
    REQUIRE_THAT(unit.scale()[0], Catch::Matchers::WithinRel(3.42851763, 1e-8));
    REQUIRE_THAT(unit.scale()[2], Catch::Matchers::WithinRel(0.74130111, 1e-8));
    REQUIRE_THAT(unit.transform(probe)(0, 2), Catch::Matchers::WithinRel(1.3489795, 1e-7));
    // with_centering=False: transform (0.43243243, 0.32, 6).
    pp::robust_scaler no_center({.with_centering = false});
    no_center.fit(X);
    REQUIRE(no_center.center().empty());
    require_close(no_center.transform(probe), {{0.43243243243243246, 0.32, 6.0}});
    // The outlier moves neither statistic much: replace 100 by 1e6, the same center and scale.
    auto huge = X;
    huge(3, 0) = 1e6;
    pp::robust_scaler again;
    again.fit(huge);
    REQUIRE(again.center() == plain.center());
    REQUIRE(again.scale() == plain.scale());
    REQUIRE_THROWS_AS(pp::robust_scaler({.quantile_range = {75.0, 25.0}}).fit(X), cr::argument_error);
}

TEST_CASE("quantile_clipper clamps to NumPy's percentiles and counts what it moved", "[preprocess][scaler]") {
    const auto X = make<double>(X_robust);
    pp::quantile_clipper clip;  // 1st and 99th percentiles
    clip.fit(X);
    // NumPy: np.nanpercentile(X, [1, 99], axis=0) = [[-3.745, -1.975, 5], [94.42, 2.975, 5]].
    REQUIRE_THAT(clip.lower_bound()[0], Catch::Matchers::WithinRel(-3.745, 1e-14));
    REQUIRE_THAT(clip.upper_bound()[0], Catch::Matchers::WithinRel(94.42, 1e-14));
    REQUIRE_THAT(clip.lower_bound()[1], Catch::Matchers::WithinRel(-1.975, 1e-14));
    REQUIRE_THAT(clip.upper_bound()[1], Catch::Matchers::WithinRel(2.975, 1e-14));
    const auto out = clip.transform(X);
    REQUIRE(out(3, 0) == clip.upper_bound()[0]);  // 100 -> 94.42
    REQUIRE(out(4, 0) == clip.lower_bound()[0]);  // -4 -> -3.745
    REQUIRE(std::isnan(out(1, 1)));
    REQUIRE(out(0, 2) == 5.0);
    REQUIRE(clip.clipped() == 4);  // 100, -4, -2 and 3 in columns 0 and 1
    REQUIRE_THROWS_AS(pp::quantile_clipper({.lower = 50.0, .upper = 50.0}).fit(X), cr::argument_error);
}

TEST_CASE("robust_outlier_flag finds planted outliers at a 2% flag rate", "[preprocess][outliers]") {
    // 5,000 rows of 5 standard normal features; 50 rows (1 %) get +-6 added to one random feature.
    cr::rng g(9);
    const std::size_t n = 5000;
    auto X = cr::make_matrix<double>(n, 5);
    for (auto& v : X) v = g.normal();
    std::vector<char> planted(n, 0);
    for (std::size_t k = 0; k < 50; ++k) {
        std::size_t r = g.uniform_index(n);
        while (planted[r]) r = g.uniform_index(n);
        planted[r] = 1;
        X(r, g.uniform_index(5)) += g.bernoulli(0.5) ? 6.0 : -6.0;
    }
    pp::robust_outlier_flag flag;  // contamination 0.02
    const auto out = flag.fit_transform(X);
    REQUIRE(identical(out, X));  // a monitor: the data pass through unchanged
    std::size_t found = 0;
    for (std::size_t r = 0; r < n; ++r) found += planted[r] && flag.flags()[r];
    INFO(flag.flagged() << " rows flagged, " << found << " of 50 planted outliers among them; threshold " << flag.threshold());
    CHECK(flag.flagged() <= 101);  // 2 % of 5,000, up to ties
    CHECK(found >= 45);            // at least 90 %
    // The medians and spreads are those of the bulk: near 0 and 1.
    for (std::size_t j = 0; j < 5; ++j) {
        CHECK(std::abs(flag.center()[j]) < 0.1);
        CHECK(std::abs(flag.spread()[j] - 1.0) < 0.1);
    }
    // Scores by hand for one row.
    const auto s = flag.scores(make<double>({{0.0, 0.0, 0.0, 0.0, 8.0}}));
    CHECK_THAT(s[0], Catch::Matchers::WithinRel((8.0 - flag.center()[4]) / flag.spread()[4], 1e-12));
    REQUIRE_THROWS_AS(pp::robust_outlier_flag({.contamination = 0.5}).fit(X), cr::argument_error);
}

// ---- simple_imputer --------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("simple_imputer strategies match scikit-learn (most_frequent ties -> smallest)",
                   "[preprocess][imputer]", float, double) {
    const auto X = make<TestType>(X_imp);
    pp::simple_imputer mean;
    // scikit-learn 1.2.1: SimpleImputer(strategy="mean").fit(X_imp): statistics_ and transform
    require_close(mean.fit_transform(X), {{1, 3, 3}, {3.25, 3, 2}, {7, 1, 2}, {4, 1, 3}, {1, 2, 5}});
    require_vector(mean.statistics(), {3.25, 2.0, 3.0});
    pp::simple_imputer median({.strategy = pp::impute_strategy::median});
    // scikit-learn 1.2.1: SimpleImputer(strategy="median")
    require_close(median.fit_transform(X), {{1, 3, 2}, {2.5, 3, 2}, {7, 1, 2}, {4, 1, 2}, {1, 2, 5}});
    require_vector(median.statistics(), {2.5, 2.0, 2.0});
    pp::simple_imputer frequent({.strategy = pp::impute_strategy::most_frequent});
    // scikit-learn 1.2.1: SimpleImputer(strategy="most_frequent"); column 1 ties 3,3,1,1 -> 1
    require_close(frequent.fit_transform(X), {{1, 3, 2}, {1, 3, 2}, {7, 1, 2}, {4, 1, 2}, {1, 1, 5}});
    require_vector(frequent.statistics(), {1.0, 1.0, 2.0});
    // scikit-learn 1.2.1: SimpleImputer(strategy="constant", fill_value=-1) and the default fill_value 0
    require_close(pp::simple_imputer({.strategy = pp::impute_strategy::constant, .fill_value = -1}).fit_transform(X),
                  {{1, 3, -1}, {-1, 3, 2}, {7, 1, 2}, {4, 1, -1}, {1, -1, 5}});
    require_close(pp::simple_imputer({.strategy = pp::impute_strategy::constant}).fit_transform(X),
                  {{1, 3, 0}, {0, 3, 2}, {7, 1, 2}, {4, 1, 0}, {1, 0, 5}});
}

TEMPLATE_TEST_CASE("simple_imputer: a column entirely NaN at fit", "[preprocess][imputer]", float, double) {
    const auto X = make<TestType>({{1, NaN, 3}, {NaN, NaN, 4}, {3, NaN, NaN}});
    // Default: a clear error naming the column.
    const auto message = error_message([&] { pp::simple_imputer{}.fit(X); });
    REQUIRE(message.find("column 1") != std::string::npos);
    REQUIRE_THROWS_AS(pp::simple_imputer{}.fit(X), cr::numeric_error);
    // scikit-learn 1.2.1: SimpleImputer().fit_transform(X) drops the column
    pp::simple_imputer drop({.empty_columns = pp::empty_column_policy::drop});
    require_close(drop.fit_transform(X), {{1, 3}, {2, 4}, {3, 3.5}});
    REQUIRE(drop.kept_columns() == std::vector<std::size_t>{0, 2});
    REQUIRE(drop.output_names({"a", "b", "c"}) == std::vector<std::string>{"a", "c"});
    // scikit-learn 1.2.1: SimpleImputer(keep_empty_features=True).fit_transform(X)
    require_close(pp::simple_imputer({.empty_columns = pp::empty_column_policy::keep}).fit_transform(X),
                  {{1, 0, 3}, {2, 0, 4}, {3, 0, 3.5}});
    // scikit-learn 1.2.1: SimpleImputer(strategy="constant", fill_value=9).fit_transform(X)
    require_close(pp::simple_imputer({.strategy = pp::impute_strategy::constant, .fill_value = 9}).fit_transform(X),
                  {{1, 9, 3}, {9, 9, 4}, {3, 9, 9}});
    REQUIRE_THROWS_AS(pp::simple_imputer({.strategy = pp::impute_strategy::constant, .fill_value = NaN}).fit(X),
                      cr::argument_error);
}

// ---- one_hot_encoder -------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("one_hot_encoder matches scikit-learn, NaN is a category placed last", "[preprocess][encoder]",
                   float, double) {
    pp::one_hot_encoder e;
    // scikit-learn 1.2.1: OneHotEncoder(sparse_output=False).fit_transform(X_cat)
    require_close(e.fit_transform(make<TestType>(X_cat)), {{0, 1, 0, 1, 0, 0, 1, 0, 1},
                                                           {0, 0, 1, 0, 0, 1, 1, 1, 0},
                                                           {0, 1, 0, 0, 1, 0, 1, 0, 1},
                                                           {1, 0, 0, 1, 0, 0, 1, 0, 1}});
    // scikit-learn 1.2.1: categories_ == [[0, 1, 2], [0, 5, nan], [3], [0, 1]]
    REQUIRE(e.categories().size() == 4);
    require_vector(e.categories()[0], {0, 1, 2});
    require_vector(e.categories()[1], {0, 5, NaN});
    require_vector(e.categories()[2], {3});
    REQUIRE(e.n_features_out() == 9);
    // scikit-learn 1.2.1: .transform(X_cat_test)
    require_close(e.transform(make<TestType>(X_cat_test)),
                  {{0, 0, 1, 0, 1, 0, 1, 1, 0}, {1, 0, 0, 0, 0, 1, 1, 0, 1}});
    // scikit-learn 1.2.1: get_feature_names_out(["a","b","c","d"]) gives a_0.0, ..., b_nan; ours read "a=0", "b=nan"
    REQUIRE(e.output_names({"a", "b", "c", "d"}) ==
            std::vector<std::string>{"a=0", "a=1", "a=2", "b=0", "b=5", "b=nan", "c=3", "d=0", "d=1"});
    REQUIRE(e.output_names().front() == "x0=0");
    REQUIRE_THROWS_AS(e.output_names({"a"}), cr::shape_error);
}

TEMPLATE_TEST_CASE("one_hot_encoder drop and handle_unknown match scikit-learn", "[preprocess][encoder]", float,
                   double) {
    const auto X = make<TestType>(X_cat);
    pp::one_hot_encoder first({.drop = pp::one_hot_drop::first});
    // scikit-learn 1.2.1: OneHotEncoder(sparse_output=False, drop="first"); the constant column vanishes
    require_close(first.fit_transform(X),
                  {{1, 0, 0, 0, 1}, {0, 1, 0, 1, 0}, {1, 0, 1, 0, 1}, {0, 0, 0, 0, 1}});
    REQUIRE(first.output_names() == std::vector<std::string>{"x0=1", "x0=2", "x1=5", "x1=nan", "x3=1"});
    pp::one_hot_encoder binary({.drop = pp::one_hot_drop::if_binary});
    // scikit-learn 1.2.1: OneHotEncoder(sparse_output=False, drop="if_binary")
    require_close(binary.fit_transform(X), {{0, 1, 0, 1, 0, 0, 1, 1},
                                            {0, 0, 1, 0, 0, 1, 1, 0},
                                            {0, 1, 0, 0, 1, 0, 1, 1},
                                            {1, 0, 0, 1, 0, 0, 1, 1}});
    REQUIRE(binary.output_names().back() == "x3=1");
    pp::one_hot_encoder ignore({.handle_unknown = pp::one_hot_unknown::ignore});
    ignore.fit(X);
    // scikit-learn 1.2.1: OneHotEncoder(sparse_output=False, handle_unknown="ignore") -> all-zero blocks
    require_close(ignore.transform(make<TestType>({{7, 0, 3, 1}, {1, 9, 4, 0}})),
                  {{0, 0, 0, 1, 0, 0, 1, 0, 1}, {0, 1, 0, 0, 0, 0, 0, 1, 0}});
    pp::one_hot_encoder strict;
    strict.fit(X);
    // scikit-learn 1.2.1 raises "Found unknown categories [7.0] in column 0 during transform"
    REQUIRE_THROWS_AS(strict.transform(make<TestType>({{7, 0, 3, 1}})), cr::argument_error);
    const auto message = error_message([&] { strict.transform(make<TestType>({{1, 0, 3, 1}, {2, 0, 3, 8}})); });
    REQUIRE(message.find("unknown category 8 in column 3 (row 1)") != std::string::npos);
    // NaN not seen at fit in a column is unknown too.
    REQUIRE_THROWS_AS(strict.transform(make<TestType>({{NaN, 0, 3, 1}})), cr::argument_error);
}

// ---- ordinal_encoder -------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("ordinal_encoder matches scikit-learn, NaN passes through", "[preprocess][encoder]", float,
                   double) {
    const rows X_ord = {{1, 0, 3}, {2, NaN, 3}, {1, 5, 3}, {0, 0, 3}};
    pp::ordinal_encoder e;
    // scikit-learn 1.2.1: OrdinalEncoder().fit_transform(X_ord); categories_ [[0,1,2],[0,5,nan],[3]]
    require_close(e.fit_transform(make<TestType>(X_ord)), {{1, 0, 0}, {2, NaN, 0}, {1, 1, 0}, {0, 0, 0}});
    require_vector(e.categories()[1], {0, 5, NaN});
    // scikit-learn 1.2.1: OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
    //                                    encoded_missing_value=-2).fit(X_ord).transform(...)
    pp::ordinal_encoder coded({.handle_unknown = pp::ordinal_unknown::use_encoded_value,
                               .unknown_value = -1,
                               .encoded_missing_value = -2});
    coded.fit(make<TestType>(X_ord));
    require_close(coded.transform(make<TestType>({{7, NaN, 3}, {2, 8, 4}, {0, 5, 3}})),
                  {{-1, -2, 0}, {2, -1, -1}, {0, 1, 0}});
    // scikit-learn 1.2.1: NaN unseen at fit is an unknown category (error / unknown_value)
    pp::ordinal_encoder strict;
    strict.fit(make<TestType>({{1}, {2}}));
    const auto message = error_message([&] { strict.transform(make<TestType>({{NaN}})); });
    REQUIRE(message.find("unknown category nan in column 0") != std::string::npos);
    pp::ordinal_encoder lenient({.handle_unknown = pp::ordinal_unknown::use_encoded_value, .unknown_value = -1});
    lenient.fit(make<TestType>({{1}, {2}}));
    require_close(lenient.transform(make<TestType>({{NaN}, {2}})), {{-1}, {1}});
    // scikit-learn 1.2.1 raises on codes that collide with category codes, and on non-integer codes
    using opts = pp::ordinal_encoder::options_type;
    const auto X = make<TestType>(X_ord);
    REQUIRE_THROWS_AS(pp::ordinal_encoder(opts{.handle_unknown = pp::ordinal_unknown::use_encoded_value,
                                                .unknown_value = 1})
                          .fit(X),
                      cr::argument_error);
    REQUIRE_THROWS_AS(pp::ordinal_encoder(opts{.encoded_missing_value = 1}).fit(X), cr::argument_error);
    REQUIRE_THROWS_AS(pp::ordinal_encoder(opts{.handle_unknown = pp::ordinal_unknown::use_encoded_value,
                                                .unknown_value = 0.5})
                          .fit(X),
                      cr::argument_error);
}

// ---- errors ----------------------------------------------------------------------------------------

namespace {
template <class P>
void check_common_errors(P fresh, const cr::matrix<double>& good) {
    // transform before fit -> not_fitted_error naming the type
    const auto not_fitted = error_message([&] { (void)fresh.transform(good); });
    REQUIRE(not_fitted.find(P::model_name) != std::string::npos);
    REQUIRE_THROWS_AS(fresh.transform(good), cr::not_fitted_error);
    // fitting on 0 rows
    REQUIRE_THROWS_AS(P(fresh).fit(cr::make_matrix<double>(0, 3)), cr::shape_error);
    // infinity is not a missing value
    auto bad = good;
    bad(1, 2) = std::numeric_limits<double>::infinity();
    const auto inf_message = error_message([&] { P(fresh).fit(bad); });
    REQUIRE(inf_message.find("X(1, 2)") != std::string::npos);
    REQUIRE_THROWS_AS(P(fresh).fit(bad), cr::numeric_error);
    // column count differs from fit -> shape_error naming both counts
    P fitted = fresh;
    fitted.fit(good);
    const auto narrow = make<double>({{1, 2}});
    const auto shape_message = error_message([&] { (void)fitted.transform(narrow); });
    REQUIRE(shape_message.find("2 columns") != std::string::npos);
    REQUIRE(shape_message.find("3 columns") != std::string::npos);
    REQUIRE_THROWS_AS(fitted.transform(narrow), cr::shape_error);
    REQUIRE_THROWS_AS(fitted.transform(bad), cr::numeric_error);
}
}  // namespace

TEST_CASE("errors: not fitted, 0 rows, infinity, column count", "[preprocess][errors]") {
    const auto good = make<double>({{1, 2, 3}, {4, 5, 6}, {7, 8, 10}});
    check_common_errors(pp::standard_scaler{}, good);
    check_common_errors(pp::min_max_scaler{}, good);
    check_common_errors(pp::robust_scaler{}, good);
    check_common_errors(pp::quantile_clipper{}, good);
    check_common_errors(pp::robust_outlier_flag{}, good);
    check_common_errors(pp::simple_imputer{}, good);
    check_common_errors(pp::one_hot_encoder{}, good);
    check_common_errors(pp::ordinal_encoder{}, good);
    check_common_errors(pp::columns(pp::standard_scaler{}, {0}), good);
    check_common_errors(pp::pipeline(pp::simple_imputer{}, pp::standard_scaler{}), good);
    REQUIRE_THROWS_AS(pp::standard_scaler{}.output_names(), cr::not_fitted_error);
}

// ---- JSON state ------------------------------------------------------------------------------------

namespace {
template <class P>
void check_round_trip(P p, const cr::matrix<double>& train, const cr::matrix<double>& test) {
    // Unfitted: options survive, the restored object is unfitted.
    const P unfitted = P::from_json(reparse(p.to_json()));
    REQUIRE_FALSE(unfitted.is_fitted());
    REQUIRE(unfitted.to_json() == p.to_json());
    p.fit(train);
    const nlohmann::json state = p.to_json();
    REQUIRE(state["type"] == std::string(P::model_name));
    REQUIRE(state["version"] == pp::state_version);
    const P restored = P::from_json(reparse(state));
    REQUIRE(restored.is_fitted());
    REQUIRE(identical(restored.transform(test), p.transform(test)));
    REQUIRE(identical(restored.transform(train), p.transform(train)));
    const cr::matrix<float> test_f = test;
    REQUIRE(identical(restored.transform(test_f), p.transform(test_f)));
}
}  // namespace

TEST_CASE("JSON state round-trips exactly for every preprocessor", "[preprocess][json]") {
    const rows train_rows = {{0.1, 3, 1e-300}, {NaN, 1, 2.5}, {1.0 / 3.0, 3, NaN}, {7.25, NaN, -4}};
    const auto train = make<double>(train_rows);
    const auto test = make<double>({{0.2, 3, 2.5}, {NaN, 1, -4}, {1.0 / 3.0, NaN, 1e-300}});
    check_round_trip(pp::standard_scaler{}, train, test);
    check_round_trip(pp::standard_scaler{{.with_mean = false}}, train, test);
    check_round_trip(pp::min_max_scaler{{.feature_range = {-2.0, 0.5}, .clip = true}}, train, test);
    check_round_trip(pp::robust_scaler{{.quantile_range = {10.0, 80.0}, .unit_variance = true}}, train, test);
    check_round_trip(pp::robust_scaler{{.with_scaling = false}}, train, test);
    check_round_trip(pp::quantile_clipper{{.lower = 5.0, .upper = 90.0}}, train, test);
    check_round_trip(pp::robust_outlier_flag{{.contamination = 0.1}}, train, test);
    check_round_trip(pp::simple_imputer{{.strategy = pp::impute_strategy::median}}, train, test);
    check_round_trip(pp::one_hot_encoder{{.handle_unknown = pp::one_hot_unknown::ignore,
                                          .drop = pp::one_hot_drop::if_binary}},
                     train, test);
    check_round_trip(pp::ordinal_encoder{{.handle_unknown = pp::ordinal_unknown::use_encoded_value,
                                          .unknown_value = -1}},
                     train, test);
    check_round_trip(pp::columns(pp::on(pp::standard_scaler{}, {2, 0}), pp::on(pp::one_hot_encoder{}, {1})), train,
                     make<double>({{0.2, 3, 2.5}, {NaN, 1, -4}}));
    check_round_trip(pp::pipeline(pp::simple_imputer{}, pp::min_max_scaler{}, pp::standard_scaler{}), train, test);
    // A dropped column survives the round trip too.
    pp::simple_imputer dropper({.empty_columns = pp::empty_column_policy::drop});
    const auto with_empty = make<double>({{1, NaN}, {2, NaN}});
    dropper.fit(with_empty);
    const auto restored = pp::simple_imputer::from_json(reparse(dropper.to_json()));
    REQUIRE(restored.kept_columns() == std::vector<std::size_t>{0});
    REQUIRE(identical(restored.transform(with_empty), dropper.transform(with_empty)));
}

TEST_CASE("malformed JSON state raises format_error with the reason", "[preprocess][json]") {
    const auto X = make<double>(X_num);
    pp::standard_scaler scaler;
    scaler.fit(X);
    const nlohmann::json good = scaler.to_json();

    auto reason = [](auto load) {
        try {
            load();
        } catch (const cr::format_error& e) {
            return std::string(e.what());
        }
        FAIL("no format_error was thrown");
        return std::string();
    };
    // Another type's state.
    REQUIRE(reason([&] { pp::simple_imputer::from_json(good); }).find("standard_scaler") != std::string::npos);
    // Not an object.
    REQUIRE_THROWS_AS(pp::standard_scaler::from_json(nlohmann::json::array()), cr::format_error);
    // Missing field.
    auto missing = good;
    missing["state"].erase("scale");
    REQUIRE(reason([&] { pp::standard_scaler::from_json(missing); }).find("'scale'") != std::string::npos);
    // Wrong length.
    auto short_mean = good;
    short_mean["state"]["mean"].erase(0);
    REQUIRE(reason([&] { pp::standard_scaler::from_json(short_mean); }).find("'mean' has 2 entries, expected 3") !=
            std::string::npos);
    // Wrong value type.
    auto text = good;
    text["state"]["var"][1] = "abc";
    REQUIRE_THROWS_AS(pp::standard_scaler::from_json(text), cr::format_error);
    // Future version.
    auto future = good;
    future["version"] = pp::state_version + 1;
    REQUIRE(reason([&] { pp::standard_scaler::from_json(future); }).find("version") != std::string::npos);
    // Bad enum spelling.
    auto bad_enum = pp::simple_imputer{}.to_json();
    bad_enum["options"]["strategy"] = "average";
    REQUIRE(reason([&] { pp::simple_imputer::from_json(bad_enum); }).find("average") != std::string::npos);
    // Unsorted categories.
    pp::one_hot_encoder encoder;
    encoder.fit(make<double>(X_cat));
    auto unsorted = encoder.to_json();
    unsorted["state"]["categories"][0] = {2, 1};
    REQUIRE_THROWS_AS(pp::one_hot_encoder::from_json(unsorted), cr::format_error);
    // A malformed step inside a pipeline names the step.
    auto prep = pp::pipeline(pp::simple_imputer{}, pp::standard_scaler{});
    prep.fit(X);
    auto broken = prep.to_json();
    broken["steps"][1]["state"].erase("mean");
    REQUIRE(reason([&] { decltype(prep)::from_json(broken); }).find("step 1") != std::string::npos);
    auto wrong_count = prep.to_json();
    wrong_count["steps"].erase(0);
    REQUIRE_THROWS_AS(decltype(prep)::from_json(wrong_count), cr::format_error);
    // A column transformer whose part selects a column beyond n_features_in.
    auto ct = pp::columns(pp::standard_scaler{}, {1});
    ct.fit(X);
    auto out_of_range = ct.to_json();
    out_of_range["parts"][0]["columns"] = nlohmann::json::array({7});
    REQUIRE_THROWS_AS(decltype(ct)::from_json(out_of_range), cr::format_error);
}

// ---- columns ---------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("columns: one step on a subset, remainder passed through in order", "[preprocess][columns]",
                   float, double) {
    auto ct = pp::columns(pp::standard_scaler{}, {2, 0});
    // scikit-learn 1.2.1: ColumnTransformer([("s", StandardScaler(), [2, 0])], remainder="passthrough")
    require_close(ct.fit_transform(make<TestType>(X_mixed)), {{-0.267261241912424, -1.2510350744069683, 1.0},
                                                              {1.3363062095621223, NaN, 2.0},
                                                              {NaN, 1.196642245084927, 1.0},
                                                              {-1.0690449676496971, 0.0543928293220425, 3.0}});
    REQUIRE(ct.remainder() == std::vector<std::size_t>{1});
    REQUIRE(ct.template step<0>().is_fitted());
    REQUIRE(ct.output_names({"age", "cat", "income"}) == std::vector<std::string>{"income", "age", "cat"});
    // scikit-learn 1.2.1: ColumnTransformer([("s", StandardScaler(), [0]), ("m", MinMaxScaler(), [0, 1])],
    //                                       remainder="passthrough") on X_num -- parts may overlap
    auto overlap = pp::columns(pp::on(pp::standard_scaler{}, {0}), pp::on(pp::min_max_scaler{}, {0, 1}));
    require_close(overlap.fit_transform(make<TestType>(X_num)), {{-1.0690449676496978, 0.0, 0.0, 5.0},
                                                                 {-0.2672612419124245, 0.3333333333333333, NaN, 5.0},
                                                                 {1.3363062095621219, 1.0, 0.8000000000000002, 5.0},
                                                                 {NaN, NaN, 1.0, 5.0}});
}

TEMPLATE_TEST_CASE("columns: several steps, pipelines inside, names, errors", "[preprocess][columns]", float,
                   double) {
    auto ct = pp::columns(pp::on(pp::pipeline(pp::simple_imputer{}, pp::standard_scaler{}), {0}),
                          pp::on(pp::one_hot_encoder{}, {1}));
    // scikit-learn 1.2.1: ColumnTransformer([("p", Pipeline([SimpleImputer(), StandardScaler()]), [0]),
    //                     ("o", OneHotEncoder(sparse_output=False), [1])], remainder="passthrough")
    require_close(ct.fit_transform(make<TestType>(X_mixed)), {{-1.4445708739490535, 1, 0, 0, 50000},
                                                              {0.0, 0, 1, 0, 60000},
                                                              {1.3817634446469216, 1, 0, 0, NaN},
                                                              {0.06280742930213322, 0, 0, 1, 45000}});
    // scikit-learn 1.2.1: ... .transform([[30, 3, 1], [nan, 1, 2]])
    require_close(ct.transform(make<TestType>({{30, 3, 1}, {NaN, 1, 2}})),
                  {{-0.5024594344170618, 0, 0, 1, 1}, {0.0, 1, 0, 0, 2}});
    // scikit-learn 1.2.1 names: p__age, o__cat_1.0, o__cat_2.0, o__cat_3.0, remainder__income
    REQUIRE(ct.output_names({"age", "cat", "income"}) ==
            std::vector<std::string>{"age", "cat=1", "cat=2", "cat=3", "income"});
    REQUIRE(ct.template columns_of<1>() == std::vector<std::size_t>{1});
    // A column index beyond X's columns, and unknown categories inside a part.
    const auto narrow = make<TestType>({{1, 2}});
    auto too_far = pp::columns(pp::standard_scaler{}, {5});
    const auto message = error_message([&] { too_far.fit(narrow); });
    REQUIRE(message.find("column 5") != std::string::npos);
    REQUIRE_THROWS_AS(too_far.fit(narrow), cr::shape_error);
    REQUIRE_THROWS_AS(ct.transform(make<TestType>({{30, 4, 1}})), cr::argument_error);
}

TEMPLATE_TEST_CASE("columns: a part that selects no column is skipped, as scikit-learn skips an empty selection", "[preprocess][columns]",
                   float, double) {
    // The same transformer type as for mixed data (numeric columns scaled, categorical columns
    // one-hot encoded), given data with no categorical column: the encoder's part selects nothing.
    // scikit-learn 1.2.1: ColumnTransformer([("n", StandardScaler(), [0, 1]), ("c", OneHotEncoder(), [])],
    //                     remainder="passthrough").fit_transform(X) equals StandardScaler().fit_transform(X).
    const auto X = make<TestType>({{1, 10}, {2, 20}, {4, 60}});
    auto with_empty = pp::columns(pp::on(pp::standard_scaler{}, {0, 1}), pp::on(pp::one_hot_encoder{}, {}));
    auto alone = pp::columns(pp::on(pp::standard_scaler{}, {0, 1}));
    const auto out = with_empty.fit_transform(X);
    REQUIRE(out.shape()[1] == 2);
    require_close(out, {{-1.0690449676496978, -0.9258200997725515}, {-0.2672612419124245, -0.46291004988627577},
                        {1.3363062095621219, 1.3887301496588271}});
    REQUIRE(xt::allclose(out, alone.fit_transform(X)));
    REQUIRE(with_empty.is_fitted());
    REQUIRE_FALSE(with_empty.template step<1>().is_fitted());  // never fitted: it saw no column
    REQUIRE(with_empty.transform(X).shape()[1] == 2);
    REQUIRE(with_empty.output_names({"a", "b"}) == std::vector<std::string>{"a", "b"});
    // fit, then transform, and the JSON state round trip keep the empty part.
    auto fitted_then = pp::columns(pp::on(pp::standard_scaler{}, {0, 1}), pp::on(pp::one_hot_encoder{}, {}));
    fitted_then.fit(X);
    REQUIRE(xt::allclose(fitted_then.transform(X), out));
    const auto restored = decltype(with_empty)::from_json(with_empty.to_json());
    REQUIRE(restored.is_fitted());
    REQUIRE(restored.template columns_of<1>().empty());
    REQUIRE(xt::allclose(restored.transform(X), out));
    // Every part empty: the columns pass through.
    auto nothing = pp::columns(pp::standard_scaler{}, {});
    REQUIRE(xt::allclose(nothing.fit_transform(X), X));
}

// ---- pipeline --------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("pipeline composes steps like scikit-learn's Pipeline", "[preprocess][pipeline]", float, double) {
    auto prep = pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::median}}, pp::min_max_scaler{});
    STATIC_REQUIRE(decltype(prep)::size() == 2);
    // scikit-learn 1.2.1: Pipeline([SimpleImputer(strategy="median"), MinMaxScaler()]).fit_transform(X_imp)
    require_close(prep.fit_transform(make<TestType>(X_imp)), {{0.0, 1.0, 0.0},
                                                              {0.24999999999999997, 1.0, 0.0},
                                                              {0.9999999999999999, 0.0, 0.0},
                                                              {0.5, 0.0, 0.0},
                                                              {0.0, 0.5, 0.9999999999999999}});
    // scikit-learn 1.2.1: ... .transform([[nan, nan, nan], [10, 0, 3]])
    require_close(prep.transform(make<TestType>({{NaN, NaN, NaN}, {10, 0, 3}})),
                  {{0.24999999999999997, 0.5, 0.0}, {1.4999999999999998, -0.5, 0.33333333333333337}});
    require_vector(prep.template step<0>().statistics(), {2.5, 2.0, 2.0});
    require_vector(prep.template step<1>().data_max(), {7.0, 3.0, 5.0});
    REQUIRE(prep.output_names({"a", "b", "c"}) == std::vector<std::string>{"a", "b", "c"});

    // fit() then transform() equals fit_transform().
    auto again = pp::pipeline(pp::simple_imputer{{.strategy = pp::impute_strategy::median}}, pp::min_max_scaler{});
    again.fit(make<TestType>(X_imp));
    REQUIRE(identical(again.transform(make<TestType>(X_imp)), prep.transform(make<TestType>(X_imp))));

    // A pipeline whose first step drops a column, nested in another pipeline.
    auto nested = pp::pipeline(pp::pipeline(pp::simple_imputer{{.empty_columns = pp::empty_column_policy::drop}}),
                               pp::one_hot_encoder{});
    const auto Xn = make<TestType>({{1, NaN}, {NaN, NaN}, {1, NaN}});
    require_close(nested.fit_transform(Xn), {{1}, {1}, {1}});
    REQUIRE(nested.output_names({"p", "q"}) == std::vector<std::string>{"p=1"});
}

TEST_CASE("pipeline: transform before fit names the unfitted step", "[preprocess][pipeline]") {
    auto prep = pp::pipeline(pp::simple_imputer{}, pp::standard_scaler{});
    const auto X = make<double>(X_num);
    REQUIRE_FALSE(prep.is_fitted());
    const auto message = error_message([&] { (void)prep.transform(X); });
    REQUIRE(message.find("step 0") != std::string::npos);
    prep.step<0>().fit(X);  // only the first step fitted
    REQUIRE_FALSE(prep.is_fitted());
    REQUIRE(error_message([&] { (void)prep.transform(X); }).find("step 1") != std::string::npos);
    REQUIRE_THROWS_AS(prep.transform(X), cr::not_fitted_error);
    prep.fit(X);
    REQUIRE(prep.is_fitted());
}

TEMPLATE_TEST_CASE("a user-written preprocessor plugs into pipeline and columns", "[preprocess][pipeline]", float,
                   double) {
    auto prep = pp::pipeline(log1p_step{}, pp::standard_scaler{});
    // scikit-learn 1.2.1: Pipeline([FunctionTransformer(np.log1p), StandardScaler()]).fit_transform(X_num)
    require_close(prep.fit_transform(make<TestType>(X_num)), {{-1.1752151858591577, -1.4030298832747532, 0.0},
                                                              {-0.09367938786083642, NaN, 0.0},
                                                              {1.268894573719994, 0.5477932451253877, 0.0},
                                                              {NaN, 0.8552366381493656, 0.0}});
    auto ct = pp::columns(log1p_step{}, {2});
    // scikit-learn 1.2.1: ColumnTransformer([("f", FunctionTransformer(np.log1p), [2])], remainder="passthrough")
    require_close(ct.fit_transform(make<TestType>(X_mixed)), {{10.819798284210286, 25, 1},
                                                              {11.002116507732017, NaN, 2},
                                                              {NaN, 40, 1},
                                                              {10.714439990727769, 33, 3}});
    // Its state is saved and restored with the pipeline's.
    const auto restored = decltype(prep)::from_json(reparse(prep.to_json()));
    REQUIRE(restored.template step<0>().n_features == 3);
    const auto X = make<TestType>(X_num_test);
    REQUIRE(identical(restored.transform(X), prep.transform(X)));
}

TEST_CASE("preprocess: error messages start with causalrec::preprocess::<function>", "[preprocess][messages]") {
    CHECK_THROWS_WITH(pp::standard_scaler{}.transform(cr::make_matrix<double>(2, 2)), Catch::Matchers::StartsWith("causalrec::preprocess::standard_scaler: "));
}

}  // namespace causalrec_test_preprocess
