// A user's file that includes only the umbrella header: what every program that includes
// <causalrec/causalrec.hpp> pays before it calls anything (the compile budget, tests/compile_budget.txt).
#include <causalrec/causalrec.hpp>

int main() { return 0; }
