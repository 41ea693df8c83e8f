#include <causalrec/metrics/metrics.hpp>

#include "catch.hpp"

TEST_CASE("metrics header compiles alone", "[metrics]") { REQUIRE(causalrec::num_threads() >= 1); }
