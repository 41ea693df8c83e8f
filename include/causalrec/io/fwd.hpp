#pragma once
/// @file
/// Forward declarations of the io module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

namespace causalrec::io {

class tensor_file;    ///< a safetensors file: named tensors and string metadata
struct model_extras;  ///< preprocessor state and user metadata saved with a model

}  // namespace causalrec::io
