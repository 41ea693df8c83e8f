#include <causalrec/preprocess/preprocess.hpp>

#include "catch.hpp"

TEST_CASE("preprocess header compiles alone", "[preprocess]") { REQUIRE(causalrec::num_threads() >= 1); }
