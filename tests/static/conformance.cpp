// Compile-time conformance: every shipped optimizer, schedule, model and objective satisfies the
// concept it is documented to satisfy. Compiled with the test suite; nothing runs.
#include <causalrec/causal/causal.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/rec/rec.hpp>
#include <causalrec/train/train.hpp>

namespace cr = causalrec;
namespace optim = causalrec::optim;

template <class T>
constexpr bool shipped_optimizers_conform() {
    static_assert(optim::Optimizer<optim::sgd<T>, T> && !optim::is_full_batch_v<optim::sgd<T>>);
    static_assert(optim::Optimizer<optim::gd<T>, T> && optim::is_full_batch_v<optim::gd<T>>);
    static_assert(optim::Optimizer<optim::adam<T>, T> && optim::Optimizer<optim::adamw<T>, T>);
    static_assert(optim::Optimizer<optim::adagrad<T>, T> && optim::Optimizer<optim::rmsprop<T>, T>);
    static_assert(optim::Optimizer<optim::lbfgs<T>, T> && optim::ClosureOptimizer<optim::lbfgs<T>, T> &&
                  optim::is_full_batch_v<optim::lbfgs<T>>);
    // Every first-order optimizer honours sparse rows; lbfgs refuses sparse parameters at run time.
    static_assert(optim::handles_sparse_rows_v<optim::sgd<T>> && optim::handles_sparse_rows_v<optim::gd<T>> &&
                  optim::handles_sparse_rows_v<optim::adam<T>> && optim::handles_sparse_rows_v<optim::adamw<T>> &&
                  optim::handles_sparse_rows_v<optim::adagrad<T>> && optim::handles_sparse_rows_v<optim::rmsprop<T>>);
    static_assert(!optim::handles_sparse_rows_v<optim::lbfgs<T>>);
    return true;
}
static_assert(shipped_optimizers_conform<float>());
static_assert(shipped_optimizers_conform<double>());
static_assert(optim::LearningRateSchedule<optim::step_decay> && optim::LearningRateSchedule<optim::exponential_decay> &&
              optim::LearningRateSchedule<optim::cosine_annealing>);
static_assert(optim::MetricSchedule<optim::reduce_on_plateau> && !optim::LearningRateSchedule<optim::reduce_on_plateau>);

// Models: a bare layer and a sequential model are both train::Model; sparse parameters are detected.
using seed_model = decltype(cr::nn::sequential(cr::nn::dense<float>(4, 2), cr::nn::relu<float>{}, cr::nn::dense<float>(2, 1),
                                               cr::nn::sigmoid<float>{}));
static_assert(cr::train::Model<seed_model, float> && cr::train::Model<cr::nn::dense<float>, float>);
static_assert(!cr::train::Model<seed_model, double>);
static_assert(cr::nn::has_sparse_parameters_v<cr::nn::embedding<float>> && !cr::nn::has_sparse_parameters_v<seed_model>);
static_assert(cr::nn::has_sparse_parameters_v<decltype(cr::nn::sequential(cr::nn::embedding<float>(5, 2), cr::nn::dense<float>(2, 1)))>);

// The supervised objective is an Objective.
static_assert(cr::train::Objective<cr::train::supervised_objective<seed_model, cr::loss::binary_cross_entropy, float>>);

// Callbacks: every shipped callback satisfies Callback for the supervised context.
using seed_context = cr::train::training_context<seed_model, float>;
static_assert(cr::train::Callback<cr::train::progress_bar, seed_context> &&
              cr::train::Callback<cr::train::early_stopping, seed_context> &&
              cr::train::Callback<cr::train::csv_logger, seed_context> &&
              cr::train::Callback<cr::train::lr_scheduler<optim::step_decay>, seed_context>);

// Recommenders: every shipped one satisfies Recommender, and the trained ones report coverage.
namespace rec = causalrec::rec;
static_assert(rec::Recommender<rec::popularity> && rec::Recommender<rec::item_knn> && rec::Recommender<rec::user_knn>);
static_assert(rec::Recommender<rec::matrix_factorization> && rec::ReportsCoverage<rec::matrix_factorization>);
static_assert(rec::Recommender<rec::als> && rec::ReportsCoverage<rec::als>);
static_assert(rec::Recommender<rec::content_based> && rec::ReportsCoverage<rec::content_based>);
static_assert(rec::Recommender<rec::bpr> && rec::ReportsCoverage<rec::bpr>);
static_assert(rec::Recommender<rec::neumf> && rec::ReportsCoverage<rec::neumf>);
static_assert(rec::Recommender<rec::two_tower> && rec::ReportsCoverage<rec::two_tower>);
static_assert(rec::Recommender<causalrec::causal::debiased_mf>);

// Effect estimators: the neural ones satisfy EffectEstimator.
namespace causal = causalrec::causal;
static_assert(causal::EffectEstimator<causal::tarnet<double>, double> && causal::EffectEstimator<causal::cfr<double>, double> &&
              causal::EffectEstimator<causal::dragonnet<double>, double>);
