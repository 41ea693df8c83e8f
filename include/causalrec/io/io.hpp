#pragma once
/// @file
/// The io module: named tensors in the safetensors format (tensor_file, save_safetensors,
/// load_safetensors, with strict validation of every file read), model files (save_model, load_model,
/// load_preprocessor) and SVG line charts (svg_line_chart, write_svg). See docs/io.md.

#include "../core/core.hpp"
#include "model.hpp"
#include "safetensors.hpp"
#include "svg.hpp"
