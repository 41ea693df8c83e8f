// The compiled part of the bandit module (CMake option CAUSALREC_COMPILED): the policies' shared checks
// and file helpers, defined once here instead of in every translation unit.
#include <causalrec/bandit/detail/impl/common.hpp>
#include <causalrec/bandit/impl/linear.hpp>
#include <causalrec/bandit/impl/multi_armed.hpp>
#include <causalrec/bandit/impl/simulator.hpp>
