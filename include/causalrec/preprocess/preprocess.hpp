#pragma once
/// @file
/// The preprocess module (in progress).
#include "../core/core.hpp"
