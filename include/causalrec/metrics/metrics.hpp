#pragma once
/// @file
/// The metrics module (in progress).
#include "../core/core.hpp"
