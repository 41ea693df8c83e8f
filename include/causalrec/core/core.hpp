#pragma once
/// @file
/// The core module: tensor aliases, xtensor include shim, errors and the one message builder, input
/// checks, shared scalar math (sigmoid, softplus, BCE from logits, normal quantile), small dense linear
/// algebra (dot, Cholesky), shape-keyed buffers, random engine and thread control. The BLAS wrappers
/// (core/blas.hpp) are included by the modules that need them.

#include "checks.hpp"
#include "elementwise.hpp"
#include "error.hpp"
#include "fpenv.hpp"
#include "linalg.hpp"
#include "math.hpp"
#include "memory.hpp"
#include "message.hpp"
#include "parameter.hpp"
#include "quadrature.hpp"
#include "rng.hpp"
#include "shape_cache.hpp"
#include "tensor.hpp"
#include "threads.hpp"
#include "xtensor.hpp"
