// The compiled part of the privacy module (CMake option CAUSALREC_COMPILED): the privacy accountant,
// defined once here instead of in every translation unit.
#include <causalrec/privacy/impl/accountant.hpp>
