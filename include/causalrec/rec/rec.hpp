#pragma once
/// @file
/// The rec module: the Recommender concept, batch recommendation, and the recommenders
/// (popularity, item-kNN, user-kNN, content-based, matrix factorisation by SGD and ALS, BPR-MF,
/// NeuMF, two-tower).

#include "../data/interactions.hpp"
#include "als.hpp"
#include "batch.hpp"
#include "bpr.hpp"
#include "cold_start.hpp"
#include "common.hpp"
#include "concepts.hpp"
#include "content.hpp"
#include "evaluate.hpp"
#include "knn.hpp"
#include "mf.hpp"
#include "neural.hpp"
#include "popularity.hpp"
#include "simulator.hpp"

namespace causalrec::rec {
static_assert(Recommender<popularity>);
static_assert(Recommender<item_knn>);
static_assert(Recommender<user_knn>);
static_assert(Recommender<matrix_factorization> && ReportsCoverage<matrix_factorization>);
static_assert(Recommender<als> && ReportsCoverage<als>);
static_assert(Recommender<content_based> && ReportsCoverage<content_based>);
static_assert(Recommender<bpr> && ReportsCoverage<bpr>);
static_assert(Recommender<neumf> && ReportsCoverage<neumf>);
static_assert(Recommender<two_tower> && ReportsCoverage<two_tower>);
}  // namespace causalrec::rec
