#pragma once
/// @file
/// The rec module: the Recommender concept, batch recommendation, and the recommenders
/// (popularity, item-kNN, user-kNN, content-based, matrix factorisation by SGD and ALS, BPR-MF,
/// NeuMF, two-tower, and the next-item model SASRec).

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
#include "sequential.hpp"
#include "simulator.hpp"
