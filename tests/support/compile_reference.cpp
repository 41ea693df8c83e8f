// A fixed compile workload that does not use causalrec: the compile budget check divides the seed
// example's compile time by this file's, so that the budget measures the library's cost rather than the
// speed of the machine that builds it (tests/compile_budget.txt, docs/compile-time.md). Do not change it
// without re-measuring the budget's ratios.
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace compile_reference {

template <class T>
T workload(std::size_t n) {
    xt::xtensor<T, 2> a = xt::ones<T>({n, n});
    xt::xtensor<T, 2> b = xt::exp(a) * T(2) + xt::sin(a);
    xt::xtensor<T, 1> s = xt::sum(b, {1});
    auto v = xt::view(b, xt::range(0, n / 2), xt::all());
    std::map<std::string, std::vector<T>> named;
    named["row"] = std::vector<T>(s.begin(), s.end());
    std::ostringstream out;
    for (const auto& [key, values] : named) out << key << *std::max_element(values.begin(), values.end());
    std::function<T(T)> square = [](T x) { return x * x; };
    return square(xt::amax(v)()) + static_cast<T>(out.str().size());
}

}  // namespace compile_reference

double compile_reference_value() {
    return compile_reference::workload<double>(4) + compile_reference::workload<float>(4);
}
