#pragma once
/// @file
/// Umbrella header: includes every module of causalrec.

#include "core/core.hpp"
#include "data/data.hpp"
#include "data/id_map_json.hpp"
#include "data/obd.hpp"
#include "explain/explain.hpp"
#include "io/io.hpp"
#include "loss/loss.hpp"
#include "metrics/metrics.hpp"
#include "nn/nn.hpp"
#include "optim/optim.hpp"
#include "preprocess/preprocess.hpp"
#include "privacy/privacy.hpp"
#include "rec/rec.hpp"
#include "bandit/bandit.hpp"
#include "causal/causal.hpp"
#include "train/train.hpp"
