# Compiles the library through the other branch of core/xtensor.hpp, the one for xtensor 0.26+, whose
# headers live in sub-folders (xtensor/containers/xtensor.hpp, xtensor/views/xview.hpp, ...). xtensor
# 0.26 is not packaged for Debian 12, so this script lays out a tree of forwarding headers the 0.26 way,
# each including the installed flat (0.24) header and defining a marker macro, then builds and runs
# main.cpp with that tree first on the include path. main.cpp fails to compile unless the shim took the
# 0.26 branch and included the forwarded headers. Run with cmake -P; arguments:
#   CXX           the C++ compiler
#   SOURCE        main.cpp
#   INCLUDE_DIRS  causalrec's include directory, then the dependencies' (a ;-list)
#   LIBRARIES     BLAS/LAPACK libraries to link (a ;-list)
#   XTENSOR_DIR   the folder holding the installed flat xtensor/ headers
#   WORK_DIR      where the tree and the program go
file(REMOVE_RECURSE "${WORK_DIR}")

# Where xtensor 0.26 puts each header of the 0.24 flat layout.
set(layout
  chunk:xchunked_array,xchunked_assign,xchunked_view
  containers:xadapt,xarray,xbuffer_adaptor,xcontainer,xfixed,xscalar,xstorage,xtensor
  core:xaccessible,xassign,xeval,xexpression,xexpression_traits,xfunction,xiterable,xiterator,xlayout,xmath,xmultiindex_iterator,xnoalias,xoperation,xsemantic,xshape,xstrides,xtensor_config,xtensor_forward,xvectorize
  generators:xbuilder,xgenerator,xrandom
  io:xcsv,xinfo,xio,xjson,xmime,xnpy
  misc:xcomplex,xexpression_holder,xhistogram,xmanipulation,xpad,xset_operation,xsort
  optional:xoptional,xoptional_assembly,xoptional_assembly_base,xoptional_assembly_storage
  reducers:xaccumulator,xblockwise_reducer,xblockwise_reducer_functors,xnorm,xreducer
  utils:xexception,xtensor_simd,xutils
  views:xaxis_iterator,xaxis_slice_iterator,xbroadcast,xdynamic_view,xfunctor_view,xindex_view,xmasked_view,xoffset_view,xrepeat,xslice,xstrided_view,xstrided_view_base,xview,xview_utils)

set(tree "${WORK_DIR}/xtensor-0.26-layout")
set(count 0)
foreach(entry IN LISTS layout)
  string(REPLACE ":" ";" entry "${entry}")
  list(GET entry 0 folder)
  list(GET entry 1 names)
  string(REPLACE "," ";" names "${names}")
  foreach(name IN LISTS names)
    if(NOT EXISTS "${XTENSOR_DIR}/xtensor/${name}.hpp")
      continue()   # not in this xtensor release
    endif()
    string(TOUPPER "CAUSALREC_LAYOUT26_${folder}_${name}" marker)
    file(WRITE "${tree}/xtensor/${folder}/${name}.hpp"
         "#pragma once\n// xtensor 0.26 layout, forwarding to the flat header of the installed xtensor.\n"
         "#define ${marker} 1\n#include \"${XTENSOR_DIR}/xtensor/${name}.hpp\"\n")
    math(EXPR count "${count} + 1")
  endforeach()
endforeach()
if(count LESS 40)
  message(FATAL_ERROR "only ${count} xtensor headers found in ${XTENSOR_DIR}/xtensor")
endif()
message(STATUS "${count} forwarding headers in ${tree}")

list(POP_FRONT INCLUDE_DIRS causalrec_include)   # our headers: warnings are errors
set(flags -std=c++20 -Wall -Wextra -Werror "-I${tree}" "-I${causalrec_include}")
list(REMOVE_DUPLICATES INCLUDE_DIRS)
list(REMOVE_ITEM INCLUDE_DIRS /usr/include /usr/local/include)   # -isystem on these breaks #include_next
foreach(dir IN LISTS INCLUDE_DIRS)
  list(APPEND flags "-isystem${dir}")
endforeach()
list(REMOVE_DUPLICATES LIBRARIES)
execute_process(COMMAND ${CXX} ${flags} "${SOURCE}" -o "${WORK_DIR}/layout26" ${LIBRARIES}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling through the xtensor 0.26 layout failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND "${WORK_DIR}/layout26" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the program built through the xtensor 0.26 layout failed (${rc})")
endif()
