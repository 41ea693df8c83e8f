#pragma once
/// @file
/// Causal discovery from observational data: the PC algorithm (Spirtes, Glymour & Scheines 2000) in
/// its "stable" form (Colombo & Maathuis, JMLR 2014: the skeleton does not depend on the order of
/// the variables), with any conditional independence test — Fisher's z on partial correlations for
/// linear Gaussian data, the G-test for categorical data, or a d-separation oracle on a known graph —
/// and the graph tools around it: CPDAG of a DAG, Meek's
/// orientation rules, d-separation, a comparison against a true graph (SHD, skeleton and arrowhead
/// precision/recall), Graphviz output, and a linear structural equation model simulator with a known
/// truth. DirectLiNGAM (discovery/lingam.hpp) learns the full DAG of a linear model with non-Gaussian
/// noise, with coefficients and total effects; GES (discovery/ges.hpp) searches CPDAGs greedily with
/// a decomposable score (the Gaussian BIC); NOTEARS (discovery/notears.hpp) learns a weighted DAG
/// by continuous optimisation under a smooth acyclicity constraint; Granger causality
/// (discovery/granger.hpp) and PCMCI (discovery/pcmci.hpp) find who drives whom, and at which lag, in a
/// multivariate time series;
/// discovery/pairwise.hpp decides cause from effect for two variables (ANM-HSIC, IGCI, RECI).
/// Background knowledge (required and forbidden edges, tiers) constrains PC and NOTEARS, and a learned
/// graph's adjustment set feeds the effect estimators (discovery/knowledge.hpp, adjustment.hpp); rows
/// pooled from experimental conditions become context variables for any of them (discovery/contexts.hpp).

#include "discovery/adjustment.hpp"
#include "discovery/contexts.hpp"
#include "discovery/ges.hpp"
#include "discovery/granger.hpp"
#include "discovery/graph.hpp"
#include "discovery/independence.hpp"
#include "discovery/knowledge.hpp"
#include "discovery/lingam.hpp"
#include "discovery/notears.hpp"
#include "discovery/pairwise.hpp"
#include "discovery/pcmci.hpp"
#include "discovery/pc.hpp"
#include "discovery/simulate.hpp"
