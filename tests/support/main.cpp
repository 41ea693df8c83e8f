// Catch2 v2 test runner main (v3 links Catch2::Catch2WithMain instead).
#define CATCH_CONFIG_MAIN
#include "catch.hpp"
