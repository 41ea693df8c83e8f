// The compiled part of the io module (CMake option CAUSALREC_COMPILED): the SVG charts and the
// safetensors reader and writer, defined once here instead of in every translation unit.
#include <causalrec/io/impl/safetensors.hpp>
#include <causalrec/io/impl/svg.hpp>
