// The compiled part of the rec module (CMake option CAUSALREC_COMPILED): the factor, content and popularity
// recommenders' non-template member functions (fit, scoring, files), defined once here instead of in
// every translation unit.
#include <causalrec/rec/impl/als.hpp>
#include <causalrec/rec/impl/bpr.hpp>
#include <causalrec/rec/impl/common.hpp>
#include <causalrec/rec/impl/content.hpp>
#include <causalrec/rec/impl/knn.hpp>
#include <causalrec/rec/impl/mf.hpp>
#include <causalrec/rec/impl/persistence.hpp>
#include <causalrec/rec/impl/popularity.hpp>
#include <causalrec/rec/impl/simulator.hpp>
