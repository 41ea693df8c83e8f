#pragma once
/// @file
/// Debiased (off-policy) evaluation from logged feedback. From missing-not-at-random ratings
/// (offpolicy/mnar.hpp): naive, IPS, SNIPS and doubly robust estimates of a rating predictor's MSE /
/// MAE (Schnabel et al., ICML 2016, §3) and of a ranking's DCG@k and recall@k. From logged bandit
/// feedback (offpolicy/policy_value.hpp): the value of a stochastic or deterministic policy by naive,
/// IPS, SNIPS, DM, DR (Dudík et al. 2011), SNDR, Switch-DR (Wang et al. 2017), DRos (Su et al. 2020)
/// and replay (Li et al. 2011), per slot for slate logs, with cross-fitted reward models
/// (offpolicy/reward_model.hpp). Every estimate carries a standard error
/// (delta method over independent units: users, or logged rounds) and a confidence interval, normal
/// or by a seeded percentile bootstrap over the same units (offpolicy/common.hpp).

#include "offpolicy/common.hpp"
#include "offpolicy/mnar.hpp"
#include "offpolicy/policy_value.hpp"
#include "offpolicy/reward_model.hpp"
