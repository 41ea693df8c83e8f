# Finds causalrec's dependencies: xtensor, xtensor-blas, nlohmann_json and BLAS/LAPACK (imported as
# BLAS::BLAS and LAPACK::LAPACK). Used by the build and, once installed, by causalrecConfig.cmake.
#
# BLAS: OpenBLAS is preferred (the reference BLAS is about 30x slower). Set BLA_VENDOR yourself to
# choose another provider (for example Intel10_64lp or FlexiBLAS).
# Per directory: imported targets (BLAS::BLAS, xtensor, ...) are visible in the directory that found them
# and below, so a consumer whose sibling directories each call find_package(causalrec) needs them found
# again in each.
include_guard(DIRECTORY)
include(CMakeFindDependencyMacro)

find_package(xtl REQUIRED)
find_package(xtensor REQUIRED)
find_package(nlohmann_json 3.2 REQUIRED)

# A package manager may provide BLAS and LAPACK as one CMake config package instead (Conan's openblas):
# -DCAUSALREC_BLAS_PACKAGE=OpenBLAS [-DCAUSALREC_BLAS_TARGET=OpenBLAS::OpenBLAS]. Without a target
# the package's <name>_LIBRARIES are linked.
set(CAUSALREC_BLAS_PACKAGE "" CACHE STRING "CMake config package providing BLAS and LAPACK (empty: FindBLAS/FindLAPACK)")
set(CAUSALREC_BLAS_TARGET "" CACHE STRING "Imported target of CAUSALREC_BLAS_PACKAGE to link")
if(CAUSALREC_BLAS_PACKAGE)
  find_package(${CAUSALREC_BLAS_PACKAGE} CONFIG REQUIRED)
  if(CAUSALREC_BLAS_TARGET)
    set(BLAS_LIBRARIES ${CAUSALREC_BLAS_TARGET})
  else()
    set(BLAS_LIBRARIES ${${CAUSALREC_BLAS_PACKAGE}_LIBRARIES})
  endif()
  foreach(_target BLAS::BLAS LAPACK::LAPACK)
    if(NOT TARGET ${_target})
      add_library(${_target} INTERFACE IMPORTED)
      set_target_properties(${_target} PROPERTIES INTERFACE_LINK_LIBRARIES "${BLAS_LIBRARIES}")
    endif()
  endforeach()
else()
  if(NOT DEFINED BLA_VENDOR AND NOT DEFINED ENV{BLA_VENDOR})
    set(BLA_VENDOR OpenBLAS)
    find_package(BLAS QUIET)
    if(NOT BLAS_FOUND)
      unset(BLA_VENDOR)
    endif()
  endif()
  find_package(BLAS REQUIRED)
  find_package(LAPACK REQUIRED)
endif()
find_package(xtensor-blas REQUIRED)

set(_causalrec_blas_kind "unknown")
if(BLA_VENDOR STREQUAL "OpenBLAS" OR BLAS_LIBRARIES MATCHES "[Oo]pen[Bb][Ll][Aa][Ss]")
  set(_causalrec_blas_kind "OpenBLAS")
elseif(BLAS_LIBRARIES MATCHES "mkl")
  set(_causalrec_blas_kind "Intel MKL")
elseif(BLAS_LIBRARIES MATCHES "flexiblas")
  set(_causalrec_blas_kind "FlexiBLAS")
elseif(BLAS_LIBRARIES MATCHES "blis")
  set(_causalrec_blas_kind "BLIS")
elseif(BLAS_LIBRARIES MATCHES "Accelerate")
  set(_causalrec_blas_kind "Apple Accelerate")
endif()
if(_causalrec_blas_kind STREQUAL "unknown")
  # A generic libblas may still be OpenBLAS through Debian's alternatives; report what it resolves to.
  set(_causalrec_real "")
  foreach(_lib IN LISTS BLAS_LIBRARIES)
    if(EXISTS "${_lib}")
      get_filename_component(_resolved "${_lib}" REALPATH)
      string(APPEND _causalrec_real " ${_resolved}")
    endif()
  endforeach()
  if(_causalrec_real MATCHES "openblas")
    set(_causalrec_blas_kind "OpenBLAS (through the generic libblas)")
  else()
    message(WARNING "causalrec: ONLY A REFERENCE OR UNKNOWN BLAS WAS FOUND (${BLAS_LIBRARIES}).\n"
                    "TRAINING AND LINEAR ALGEBRA WILL BE ABOUT 30X SLOWER THAN WITH OPENBLAS.\n"
                    "Install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas-dev) and reconfigure.")
  endif()
endif()
if(NOT causalrec_FIND_QUIETLY)
  message(STATUS "causalrec: BLAS = ${_causalrec_blas_kind}: ${BLAS_LIBRARIES}")
endif()
set(CAUSALREC_BLAS_KIND "${_causalrec_blas_kind}")

# Tells the headers that OpenBLAS is linked, so that set_num_threads() reaches its thread pool.
if(NOT TARGET causalrec::blas_options)
  add_library(causalrec::blas_options INTERFACE IMPORTED)
  if(_causalrec_blas_kind MATCHES "^OpenBLAS")
    set_target_properties(causalrec::blas_options PROPERTIES INTERFACE_COMPILE_DEFINITIONS CAUSALREC_USE_OPENBLAS)
  endif()
endif()

