// EXPECT: Objective
// Something without loss_and_gradient is not an Objective: fit names the unsatisfied concept.
#include <causalrec/optim/optim.hpp>
#include <causalrec/train/loop.hpp>

struct not_an_objective {
    using value_type = float;
    std::size_t samples() const { return 1; }
};

int main() {
    not_an_objective o;
    causalrec::train::fit(o, causalrec::optim::adam<float>());
}
