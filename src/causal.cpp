// The compiled part of the causal module (CMake option CAUSALREC_COMPILED): the estimators' non-template
// member functions, defined once here instead of in every translation unit.
#include <causalrec/causal/debias/impl/mf.hpp>
#include <causalrec/causal/debias/impl/weights.hpp>
#include <causalrec/causal/detail/impl/common.hpp>
#include <causalrec/causal/discovery/impl/adjustment.hpp>
#include <causalrec/causal/discovery/impl/contexts.hpp>
#include <causalrec/causal/discovery/impl/ges.hpp>
#include <causalrec/causal/discovery/impl/granger.hpp>
#include <causalrec/causal/discovery/impl/graph.hpp>
#include <causalrec/causal/discovery/impl/independence.hpp>
#include <causalrec/causal/discovery/impl/knowledge.hpp>
#include <causalrec/causal/discovery/impl/lingam.hpp>
#include <causalrec/causal/discovery/impl/notears.hpp>
#include <causalrec/causal/discovery/impl/pairwise.hpp>
#include <causalrec/causal/discovery/impl/pc.hpp>
#include <causalrec/causal/discovery/impl/pcmci.hpp>
#include <causalrec/causal/discovery/impl/simulate.hpp>
#include <causalrec/causal/impl/ate.hpp>
#include <causalrec/causal/impl/exposure.hpp>
#include <causalrec/causal/impl/linear.hpp>
#include <causalrec/causal/impl/propensity.hpp>
#include <causalrec/causal/impl/simulator.hpp>
#include <causalrec/causal/impl/uplift.hpp>
#include <causalrec/causal/neural/impl/options.hpp>
#include <causalrec/causal/offpolicy/impl/common.hpp>
#include <causalrec/causal/offpolicy/impl/mnar.hpp>
#include <causalrec/causal/offpolicy/impl/policy_value.hpp>
