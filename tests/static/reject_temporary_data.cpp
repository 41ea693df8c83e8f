// EXPECT: delete
// The supervised objective refers to its data: a temporary matrix would dangle, so it is refused.
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/train/train.hpp>

int main() {
    namespace cr = causalrec;
    auto model = cr::nn::sequential(cr::nn::dense<float>(2, 1));
    cr::matrix<float> x = cr::make_matrix<float>(4, 2);
    cr::train::supervised_objective objective(model, cr::loss::mse{}, x, cr::make_matrix<float>(4, 1));
}
