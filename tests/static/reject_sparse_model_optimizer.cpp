// EXPECT: sparse_rows
// An optimizer that does not declare sparse_rows cannot train a model with an embedding.
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/train/train.hpp>

#include <span>

struct plain_descent {
    void step(std::span<const causalrec::parameter_view<float>>) {}
    double learning_rate() const { return 0.1; }
    void set_learning_rate(double) {}
};

int main() {
    namespace cr = causalrec;
    auto model = cr::nn::sequential(cr::nn::embedding<float>(10, 2), cr::nn::dense<float>(2, 1));
    cr::matrix<float> x = cr::make_matrix<float>(4, 1), y = cr::make_matrix<float>(4, 1);
    cr::train::fit(model, cr::loss::mse{}, plain_descent{}, x, y);
}
