#pragma once
/// @file
/// Next-item recommenders over ordered histories: SASRec (Kang & McAuley 2018, self-attention over
/// item and positional embeddings), GRU4Rec (Hidasi et al. 2016/2018, a GRU trained on
/// session-parallel batches), Caser (Tang & Wang 2018, convolutions over the last items and a user
/// embedding), and the evaluation protocols of next-item recommendation (the
/// sampled protocol of the SASRec paper and full ranking) with an oracle for simulated Markov data.

#include "sequential/evaluate.hpp"
#include "sequential/caser.hpp"
#include "sequential/gru4rec.hpp"
#include "sequential/sasrec.hpp"
