#pragma once
/// @file
/// The core module: tensor aliases, xtensor include shim, errors, random engine and thread control.

#include "error.hpp"
#include "fpenv.hpp"
#include "parameter.hpp"
#include "rng.hpp"
#include "tensor.hpp"
#include "threads.hpp"
#include "xtensor.hpp"
