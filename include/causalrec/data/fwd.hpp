#pragma once
/// @file
/// Forward declarations of the data module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

#include "../core/fwd.hpp"

namespace causalrec::data {

struct csv_options;           ///< options of read_csv
template <class T>
class dataset;                ///< a table read from CSV: features, labels, column information
struct csr_matrix;            ///< a compressed sparse row matrix of doubles
class id_map;                 ///< original ids <-> dense indices
struct interaction_columns;   ///< the columns an interactions log is built from
class interactions;           ///< a log of (user, item, value) interactions with CSR views
class sequences;              ///< ordered item sequences, one per user or session
struct sequence_split;        ///< leave-one-out split of sequences
struct next_item_batch;       ///< a next-item training batch in the sequence-batch layout
class next_item_batcher;      ///< builds next-item training batches with sampled negatives
struct obd_options;           ///< options of the Open Bandit Dataset readers
struct obd_log;               ///< one campaign log of the Open Bandit Dataset
struct obd_item_context;      ///< the item context of an Open Bandit Dataset campaign

}  // namespace causalrec::data
