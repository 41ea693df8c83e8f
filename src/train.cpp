// The compiled part of the train module (CMake option CAUSALREC_COMPILED): the training history's
// CSV and its SVG chart, defined once here instead of in every translation unit.
#include <causalrec/train/impl/callbacks.hpp>
#include <causalrec/train/impl/chart.hpp>
#include <causalrec/train/impl/history.hpp>
