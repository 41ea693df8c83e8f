// EXPECT: Callback
// A callback whose only hook is misspelt (on_epoch_ends) would never fire: fit refuses it.
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/train.hpp>

struct misspelt {
    template <class Ctx>
    void on_epoch_ends(Ctx&) {}
};

int main() {
    namespace cr = causalrec;
    auto model = cr::nn::sequential(cr::nn::dense<float>(2, 1), cr::nn::sigmoid<float>{});
    cr::matrix<float> x = cr::make_matrix<float>(4, 2), y = cr::make_matrix<float>(4, 1);
    cr::train::fit(model, cr::loss::binary_cross_entropy{}, cr::optim::adam<float>(), x, y, {}, misspelt{});
}
