#pragma once
/// @file
/// The data module (in progress).
#include "../core/core.hpp"
