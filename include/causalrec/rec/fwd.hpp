#pragma once
/// @file
/// Forward declarations of the rec module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

namespace causalrec::rec {

struct scored_item;           ///< an item index and its score
class popularity;             ///< most-popular recommender
class matrix_factorization;   ///< biased MF for explicit ratings
class als;                    ///< alternating least squares
class bpr;                    ///< Bayesian personalised ranking
class neumf;                  ///< neural matrix factorisation
class two_tower;              ///< two-tower retrieval model
class content_based;          ///< content-based recommender
class sasrec;                 ///< self-attentive next-item recommender
struct sasrec_options;        ///< options of sasrec

namespace detail {
template <bool ItemBased>
class knn_recommender;
}  // namespace detail
using item_knn = detail::knn_recommender<true>;   ///< item-based k-NN
using user_knn = detail::knn_recommender<false>;  ///< user-based k-NN

}  // namespace causalrec::rec
