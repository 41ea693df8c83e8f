// The compiled part of the rec module (CMake option CAUSALREC_COMPILED): NeuMF and the two-tower model.
#include <causalrec/rec/neural/impl/neumf.hpp>
#include <causalrec/rec/neural/impl/two_tower.hpp>
