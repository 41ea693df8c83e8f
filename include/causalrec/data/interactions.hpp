#pragma once
/// @file
/// User-item interaction logs for recommenders: the log itself (user, item, value, optional
/// timestamp, weight and exposure propensity), id maps from original ids to dense indices, CSR views
/// by user and by item, a streaming CSV reader, and the usual recommender splits (random,
/// leave-k-out per user, temporal, and a separate test file mapped through the training ids).

#include "csr.hpp"
#include "id_map.hpp"
#include "interaction_log.hpp"
#include "interaction_splits.hpp"
#include "interactions_csv.hpp"
#include "interaction_stream.hpp"
