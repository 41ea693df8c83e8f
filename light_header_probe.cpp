#include <causalrec/io/io.hpp>
