// The compiled part of the rec module (CMake option CAUSALREC_COMPILED): the sequence recommenders (SASRec,
// GRU4Rec, Caser) and their evaluation scorers.
#include <causalrec/rec/sequential/detail/impl/serving.hpp>
#include <causalrec/rec/sequential/impl/caser.hpp>
#include <causalrec/rec/sequential/impl/evaluate.hpp>
#include <causalrec/rec/sequential/impl/gru4rec.hpp>
#include <causalrec/rec/sequential/impl/sasrec.hpp>
