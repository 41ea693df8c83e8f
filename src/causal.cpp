// The compiled part of the causal module (CMake option CAUSALREC_COMPILED): the estimators' non-template
// member functions, defined once here instead of in every translation unit.
#include <causalrec/causal/debias/impl/mf.hpp>
#include <causalrec/causal/discovery/impl/graph.hpp>
#include <causalrec/causal/discovery/impl/independence.hpp>
#include <causalrec/causal/impl/exposure.hpp>
#include <causalrec/causal/impl/linear.hpp>
