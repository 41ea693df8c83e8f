// The compiled part of the io module (CMake option CAUSALREC_COMPILED): the SVG charts, the
// safetensors reader and writer, and the JSON entries and header checks of model files, defined once
// here instead of in every translation unit.
#include <causalrec/io/detail/impl/common.hpp>
#include <causalrec/io/impl/model.hpp>
#include <causalrec/io/impl/safetensors.hpp>
#include <causalrec/io/impl/svg.hpp>
