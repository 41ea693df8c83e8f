#pragma once
/// @file
/// The optional distributed part (needs MPI; link causalrec::mpi): the environment and communicator,
/// data-parallel training, distributed ALS and ranking evaluation over sharded users. Not included by
/// causalrec.hpp, so that programs without MPI never see mpi.h.

#include "communicator.hpp"
#include "als.hpp"
#include "evaluate.hpp"
#include "fit.hpp"
