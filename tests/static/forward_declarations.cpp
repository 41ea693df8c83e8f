// Forward declarations (causalrec/fwd.hpp and each module's fwd.hpp): a user's header can name the
// library's main types with nothing but the forward declarations, and the declarations agree with
// the definitions (same kinds, same template heads, the defaults given once). Compiled with the
// test suite; nothing runs.
#include <causalrec/fwd.hpp>

#include <type_traits>

namespace user {

// What a user's header does with the forward declarations only: pointers, references, function
// declarations and default template arguments.
struct recommender_service {
    const causalrec::rec::als* model = nullptr;
    const causalrec::rec::item_knn* neighbours = nullptr;
    causalrec::data::interactions* log = nullptr;
    causalrec::optim::adam<>* optimizer = nullptr;
    causalrec::causal::tarnet<>* effect_model = nullptr;
};
void train(causalrec::nn::sequential<causalrec::nn::dense<>, causalrec::nn::relu<>>& model,
           const causalrec::matrix<float>& x, causalrec::train::history& out);
void score(const causalrec::causal::debiased_mf& model, causalrec::metrics::binary_confusion& out);

}  // namespace user

#include <causalrec/causalrec.hpp>

namespace cr = causalrec;

static_assert(std::is_same_v<cr::optim::adam<>, cr::optim::adam<float>>);
static_assert(std::is_same_v<cr::optim::lbfgs<>, cr::optim::lbfgs<double>>);
static_assert(std::is_same_v<cr::nn::dense<>, cr::nn::dense<float>>);
static_assert(std::is_same_v<cr::causal::tarnet<>, cr::causal::neural_effect_estimator<double, cr::causal::tarnet_options>>);
static_assert(std::is_same_v<cr::rec::item_knn, cr::rec::detail::knn_recommender<true>>);
static_assert(std::is_same_v<cr::matrix<float>, xt::xtensor<float, 2>>);
static_assert(sizeof(cr::rec::als) > 0 && sizeof(cr::preprocess::standard_scaler) > 0 && sizeof(cr::io::tensor_file) > 0);
