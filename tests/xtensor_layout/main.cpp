// Built by run_layout_test.cmake against a tree of xtensor 0.26-style forwarding headers: the whole
// library compiles through the 0.26 branch of core/xtensor.hpp, and a few operations run.
#include <causalrec/causalrec.hpp>

#include <iostream>

static_assert(CAUSALREC_XTENSOR_LAYOUT == 26, "core/xtensor.hpp took the 0.24 branch");
// The shim's 0.26 branch included the forwarded headers (each defines its marker).
#if !defined(CAUSALREC_LAYOUT26_CONTAINERS_XTENSOR) || !defined(CAUSALREC_LAYOUT26_CONTAINERS_XARRAY) ||  \
    !defined(CAUSALREC_LAYOUT26_CONTAINERS_XADAPT) || !defined(CAUSALREC_LAYOUT26_CORE_XMATH) ||          \
    !defined(CAUSALREC_LAYOUT26_CORE_XNOALIAS) || !defined(CAUSALREC_LAYOUT26_VIEWS_XVIEW)
#error "core/xtensor.hpp did not include the xtensor 0.26 headers"
#endif

int main() {
    namespace cr = causalrec;
    cr::matrix<float> m = cr::make_matrix<float>(2, 3);
    for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(i);
    const cr::vector<float> row = xt::view(m, 1, xt::all());
    const float sum = xt::sum(row)();
    std::cout << "xtensor 0.26 layout: row sum " << sum << "\n";
    return sum == 12.0f ? 0 : 1;
}
