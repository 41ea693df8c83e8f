# Runs the vcpkg overlay port (packaging/vcpkg/ports/causalrec) without vcpkg: the vcpkg helper
# functions the portfile calls are defined here as small stand-ins that run plain CMake, then the
# package tree it produces is checked and used by find_package() from an outside project. Also checks
# vcpkg.json (valid JSON, name, version, dependencies). What this does not exercise: vcpkg itself, its
# dependency ports (xtensor, xtensor-blas, blas, lapack, nlohmann-json) and its post-build checks.
# Arguments: SOURCE_DIR (the causalrec checkout), WORK_DIR, VERSION (the project version), CXX, and
# FEATURES (the port's features to install: empty for header-only, or "compiled").
cmake_minimum_required(VERSION 3.20)
set(port_dir "${SOURCE_DIR}/packaging/vcpkg/ports/causalrec")
file(REMOVE_RECURSE "${WORK_DIR}")

# ---- vcpkg.json ----
file(READ "${port_dir}/vcpkg.json" manifest)
string(JSON name GET "${manifest}" name)
string(JSON port_version GET "${manifest}" version)
if(NOT name STREQUAL "causalrec" OR NOT port_version STREQUAL VERSION)
  message(FATAL_ERROR "vcpkg.json: name '${name}', version '${port_version}' (expected causalrec ${VERSION})")
endif()
string(JSON count LENGTH "${manifest}" dependencies)
set(dependencies "")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON type TYPE "${manifest}" dependencies ${i})
  if(type STREQUAL "OBJECT")
    string(JSON dep GET "${manifest}" dependencies ${i} name)
  else()
    string(JSON dep GET "${manifest}" dependencies ${i})
  endif()
  list(APPEND dependencies "${dep}")
endforeach()
foreach(dep xtensor xtensor-blas nlohmann-json blas lapack vcpkg-cmake vcpkg-cmake-config)
  if(NOT dep IN_LIST dependencies)
    message(FATAL_ERROR "vcpkg.json does not depend on ${dep} (has: ${dependencies})")
  endif()
endforeach()

string(JSON compiled_feature ERROR_VARIABLE no_feature GET "${manifest}" features compiled description)
if(no_feature)
  message(FATAL_ERROR "vcpkg.json declares no feature \"compiled\"")
endif()

# ---- stand-ins for the vcpkg helpers ----
function(vcpkg_check_features)
  cmake_parse_arguments(arg "" "OUT_FEATURE_OPTIONS" "FEATURES" ${ARGN})
  set(options "")
  list(LENGTH arg_FEATURES n)
  math(EXPR last "${n} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET arg_FEATURES ${i} feature)
    list(GET arg_FEATURES ${j} variable)
    if(feature IN_LIST FEATURES)
      list(APPEND options "-D${variable}=ON")
    else()
      list(APPEND options "-D${variable}=OFF")
    endif()
  endforeach()
  set(${arg_OUT_FEATURE_OPTIONS} "${options}" PARENT_SCOPE)
endfunction()
function(vcpkg_check_linkage)
  cmake_parse_arguments(arg "ONLY_STATIC_LIBRARY" "" "" ${ARGN})
  if(NOT arg_ONLY_STATIC_LIBRARY)
    message(FATAL_ERROR "the port's compiled part is a static library: vcpkg_check_linkage(ONLY_STATIC_LIBRARY)")
  endif()
endfunction()
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
endfunction()
function(vcpkg_cmake_configure)
  cmake_parse_arguments(arg "" "SOURCE_PATH" "OPTIONS;OPTIONS_RELEASE;OPTIONS_DEBUG" ${ARGN})
  foreach(option CAUSALREC_BUILD_TESTS CAUSALREC_BUILD_EXAMPLES CAUSALREC_BUILD_BENCHMARKS)
    if(NOT "-D${option}=OFF" IN_LIST arg_OPTIONS)
      message(FATAL_ERROR "the port does not pass -D${option}=OFF")
    endif()
  endforeach()
  if(NOT "compiled" IN_LIST FEATURES AND NOT VCPKG_BUILD_TYPE STREQUAL "release")
    message(FATAL_ERROR "a header-only port sets VCPKG_BUILD_TYPE to release (no debug configuration)")
  endif()
  set(expected_compiled "-DCAUSALREC_COMPILED=OFF")
  if("compiled" IN_LIST FEATURES)
    set(expected_compiled "-DCAUSALREC_COMPILED=ON")
  endif()
  if(NOT expected_compiled IN_LIST arg_OPTIONS)
    message(FATAL_ERROR "the port does not pass ${expected_compiled} for features [${FEATURES}]")
  endif()
  # Release, but without optimisation and as a unity build: this checks the port's options and the
  # installed package, not the compiled code (which the build with CAUSALREC_COMPILED tests); the
  # compiled part builds in about half the time at -O0 (clang++ 14, src/rec_sequential.cpp: 9 s at -O0,
  # 19 s at -O3), and its sources as one unit in a quarter of that (12 s against 48 s).
  run(${CMAKE_COMMAND} -S "${arg_SOURCE_PATH}" -B "${WORK_DIR}/buildtrees" -DCMAKE_CXX_COMPILER=${CXX}
      -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O0 -DNDEBUG" -DCMAKE_UNITY_BUILD=ON
      -DCMAKE_UNITY_BUILD_BATCH_SIZE=0 "-DCMAKE_INSTALL_PREFIX=${CURRENT_PACKAGES_DIR}"
      ${arg_OPTIONS} ${arg_OPTIONS_RELEASE})
  set_property(GLOBAL PROPERTY causalrec_configured TRUE)
endfunction()
function(vcpkg_cmake_install)
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/buildtrees")
  run(${CMAKE_COMMAND} --install "${WORK_DIR}/buildtrees")
endfunction()
# Moves share/cmake/<pkg> to share/<pkg> and fixes the relative prefix, as vcpkg does.
function(vcpkg_cmake_config_fixup)
  cmake_parse_arguments(arg "" "PACKAGE_NAME;CONFIG_PATH" "" ${ARGN})
  set(from "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}")
  set(to "${CURRENT_PACKAGES_DIR}/share/${arg_PACKAGE_NAME}")
  if(NOT EXISTS "${from}/${arg_PACKAGE_NAME}Config.cmake")
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: no ${arg_PACKAGE_NAME}Config.cmake in ${from}")
  endif()
  file(GLOB files "${from}/*.cmake")
  file(MAKE_DIRECTORY "${to}")
  foreach(f IN LISTS files)
    get_filename_component(n "${f}" NAME)
    file(READ "${f}" text)
    string(REPLACE "\${CMAKE_CURRENT_LIST_DIR}/../../../" "\${CMAKE_CURRENT_LIST_DIR}/../../" text "${text}")
    # One directory level less: drop one of the "go to the parent" lines of the targets file.
    set(up "get_filename_component(_IMPORT_PREFIX \"\${_IMPORT_PREFIX}\" PATH)\n")
    string(FIND "${text}" "${up}" at)
    if(at GREATER_EQUAL 0)
      string(LENGTH "${up}" length)
      string(SUBSTRING "${text}" 0 ${at} head)
      math(EXPR rest "${at} + ${length}")
      string(SUBSTRING "${text}" ${rest} -1 tail)
      set(text "${head}${tail}")
    endif()
    file(WRITE "${to}/${n}" "${text}")
  endforeach()
  file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/cmake")
endfunction()
function(vcpkg_install_copyright)
  cmake_parse_arguments(arg "" "" "FILE_LIST" ${ARGN})
  file(READ "${arg_FILE_LIST}" text)
  file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright" "${text}")
endfunction()

# ---- run the portfile ----
set(PORT causalrec)
set(VERSION "${port_version}")
set(CURRENT_PACKAGES_DIR "${WORK_DIR}/packages/causalrec_x64-linux")
set(CMAKE_CURRENT_LIST_DIR "${port_dir}")
include("${port_dir}/portfile.cmake")

foreach(f include/causalrec/causalrec.hpp include/causalrec/core/xtensor.hpp share/causalrec/copyright share/causalrec/usage
          share/causalrec/causalrecConfig.cmake share/causalrec/causalrecConfigVersion.cmake
          share/causalrec/causalrecTargets.cmake share/causalrec/causalrecDependencies.cmake
          share/causalrec/causalrecPrecompile.cmake)
  if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/${f}")
    message(FATAL_ERROR "the port's package lacks ${f}")
  endif()
endforeach()
if("compiled" IN_LIST FEATURES)
  if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/lib/libcausalrec.a")
    message(FATAL_ERROR "the package with the feature compiled lacks lib/libcausalrec.a")
  endif()
  set(absent bin share/cmake debug/include debug/share)
else()
  set(absent debug lib bin share/cmake)
endif()
foreach(d IN LISTS absent)
  if(EXISTS "${CURRENT_PACKAGES_DIR}/${d}")
    message(FATAL_ERROR "the package (features: [${FEATURES}]) has no ${d}/")
  endif()
endforeach()
file(READ "${CURRENT_PACKAGES_DIR}/share/causalrec/copyright" copyright)
if(NOT copyright MATCHES "Apache License")
  message(FATAL_ERROR "share/causalrec/copyright is not the LICENSE")
endif()

# The relocated package is found from an outside project (configure only: the install tests build).
file(WRITE "${WORK_DIR}/consumer/CMakeLists.txt"
     "cmake_minimum_required(VERSION 3.20)\nproject(c LANGUAGES CXX)\nfind_package(causalrec ${VERSION} CONFIG REQUIRED)\n"
     "get_target_property(dirs causalrec::causalrec INTERFACE_INCLUDE_DIRECTORIES)\n"
     "if(NOT dirs STREQUAL \"${CURRENT_PACKAGES_DIR}/include\")\n  message(FATAL_ERROR \"include dirs: \${dirs}\")\nendif()\n"
     "if(TARGET causalrec::compiled AND NOT \"${FEATURES}\" MATCHES compiled)\n  message(FATAL_ERROR \"causalrec::compiled without the feature\")\nendif()\n"
     "if(NOT TARGET causalrec::compiled AND \"${FEATURES}\" MATCHES compiled)\n  message(FATAL_ERROR \"no causalrec::compiled with the feature\")\nendif()\n")
run(${CMAKE_COMMAND} -S "${WORK_DIR}/consumer" -B "${WORK_DIR}/consumer/build" "-DCMAKE_PREFIX_PATH=${CURRENT_PACKAGES_DIR}"
    -DCMAKE_CXX_COMPILER=${CXX})
message(STATUS "vcpkg port: package tree in ${CURRENT_PACKAGES_DIR} is complete and found by find_package")
