#pragma once
/// @file
/// Forward declarations of every module's main types (each module also has its own fwd.hpp).

#include "core/fwd.hpp"
#include "data/fwd.hpp"
#include "preprocess/fwd.hpp"
#include "nn/fwd.hpp"
#include "loss/fwd.hpp"
#include "optim/fwd.hpp"
#include "train/fwd.hpp"
#include "metrics/fwd.hpp"
#include "io/fwd.hpp"
#include "rec/fwd.hpp"
#include "causal/fwd.hpp"
