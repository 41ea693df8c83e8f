// The compiled part of the explain module (CMake option CAUSALREC_COMPILED): the recommendation
// explanations, defined once here instead of in every translation unit.
#include <causalrec/explain/impl/gradients.hpp>
#include <causalrec/explain/impl/partial_dependence.hpp>
#include <causalrec/explain/impl/recommendations.hpp>
