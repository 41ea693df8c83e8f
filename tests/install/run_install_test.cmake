# The install tests, run with cmake -P. STEP selects what to do:
#   install   installs causalrec from BUILD_DIR into PREFIX and checks the package files are there
#   consume   configures, builds and runs the outside project in SOURCE_DIR against PREFIX (its programs
#             are EXECUTABLE, by default consumer and consumer_header_only)
#   examples  copies every folder of EXAMPLES_DIR that has a CMakeLists.txt to WORK_DIR and configures
#             each against PREFIX (its find_package and targets resolve; the folders not built are
#             configured together, as subdirectories of one project); the folders named in BUILD
#             (a list; by default seed_pipeline, the main example) are also built and their tests (a
#             short run) run. The main build compiles and runs every example from the same folder and
#             CMakeLists.txt; building all again outside took two minutes of every test run.
# Other arguments: WORK_DIR, CXX, and optionally LAUNCHER (a compiler launcher such as ccache) and CTEST.
cmake_policy(SET CMP0057 NEW)   # if(... IN_LIST ...) in script mode
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

# build_outside(<source> <build>): configures and builds a project against the installed causalrec.
# Optimised (-Og: g++'s cheapest optimising level, clang++ reads it as -O1) like a user's release build,
# but cheaper to compile than -O2 (g++ 12, causal_recommendation.cpp: 15.0 s at -Og, 19.0 s at -O1;
# its --quick run takes 1.0 s either way, 3.7 s at -O0).
function(build_outside source build)
  configure_outside("${source}" "${build}")
  run(${CMAKE_COMMAND} --build "${build}")
endfunction()

# configure_outside(<source> <build>): configures a project against the installed causalrec.
function(configure_outside source build)
  set(launcher "")
  if(LAUNCHER)
    set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  endif()
  run(${CMAKE_COMMAND} -S "${source}" -B "${build}" -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_CXX_COMPILER=${CXX}
      -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-Og -DNDEBUG" ${launcher})
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}")
  foreach(f include/causalrec/causalrec.hpp share/cmake/causalrec/causalrecConfig.cmake
            share/cmake/causalrec/causalrecConfigVersion.cmake share/cmake/causalrec/causalrecTargets.cmake)
    if(NOT EXISTS "${PREFIX}/${f}")
      message(FATAL_ERROR "install is missing ${f}")
    endif()
  endforeach()
elseif(STEP STREQUAL "consume")
  file(REMOVE_RECURSE "${WORK_DIR}")
  build_outside("${SOURCE_DIR}" "${WORK_DIR}/build")
  if(NOT EXECUTABLE)
    set(EXECUTABLE consumer consumer_header_only)
  endif()
  foreach(program IN LISTS EXECUTABLE)
    run("${WORK_DIR}/build/${program}")
  endforeach()
elseif(STEP STREQUAL "examples")
  file(REMOVE_RECURSE "${WORK_DIR}")
  file(GLOB lists "${EXAMPLES_DIR}/*/CMakeLists.txt")
  if(NOT lists)
    message(FATAL_ERROR "no example folders with a CMakeLists.txt under ${EXAMPLES_DIR}")
  endif()
  if(NOT DEFINED BUILD)
    set(BUILD seed_pipeline)
  endif()
  set(configured "")
  set(built "")
  foreach(list IN LISTS lists)
    get_filename_component(dir "${list}" DIRECTORY)
    get_filename_component(name "${dir}" NAME)
    # A copy outside the source tree, so that nothing but the installed package can be found.
    file(COPY "${dir}" DESTINATION "${WORK_DIR}/src")
    if(name IN_LIST BUILD)
      build_outside("${WORK_DIR}/src/${name}" "${WORK_DIR}/build/${name}")
      run(${CTEST} --test-dir "${WORK_DIR}/build/${name}" --output-on-failure --no-tests=error)
      list(APPEND built "${name}")
    else()
      list(APPEND configured "${name}")
    endif()
  endforeach()
  # The others in one configure run of a project that adds each folder (each finds the package in its
  # own directory scope, as on its own): compiler detection once instead of once per folder (about
  # 2 s each).
  if(configured)
    set(all "cmake_minimum_required(VERSION 3.20)\nproject(causalrec_examples LANGUAGES CXX)\n")
    foreach(name IN LISTS configured)
      string(APPEND all "add_subdirectory(${name})\n")
    endforeach()
    file(WRITE "${WORK_DIR}/src/CMakeLists.txt" "${all}")
    configure_outside("${WORK_DIR}/src" "${WORK_DIR}/build/configured")
  endif()
  foreach(name IN LISTS BUILD)
    if(NOT name IN_LIST built)
      message(FATAL_ERROR "no example folder ${name} with a CMakeLists.txt under ${EXAMPLES_DIR}")
    endif()
  endforeach()
  message(STATUS "configured against the installed package: ${configured}")
  message(STATUS "built and ran against the installed package: ${built}")
else()
  message(FATAL_ERROR "STEP must be install, consume or examples (got '${STEP}')")
endif()
