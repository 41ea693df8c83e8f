# causalrec_precompile_headers() refuses what it cannot do, with a message that says why: a name
# that is not a target, a header that is not causalrec's (or not written as it is included), HEADERS
# together with REUSE_FROM, and a keyword without its value. Each case configures a small project
# without a compiler (LANGUAGES NONE) and expects the configure to fail with the message. The
# working case is the install check's consumer project.
#   cmake -DSOURCE_DIR=<repository> -DWORK_DIR=<scratch> -P check_precompile_helper.cmake
foreach(required SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "check_precompile_helper.cmake: ${required} is not set")
  endif()
endforeach()

set(cases
    "nosuch|'nosuch' is not a target"
    "app REUSE_FROM nosuch|'nosuch' is not a target"
    "app HEADERS <vector>|HEADERS takes causalrec headers as they are included"
    "app HEADERS causalrec/nn/nn.hpp|HEADERS takes causalrec headers as they are included"
    "app HEADERS <causalrec/nn/nn.hpp> REUSE_FROM other|give HEADERS or REUSE_FROM, not both"
    "app BOGUS x|unknown arguments: BOGUS"
    "app REUSE_FROM|REUSE_FROM given without a value"
    "app HEADERS|HEADERS given without a value")
set(index 0)
foreach(case IN LISTS cases)
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 call)
  list(GET parts 1 expected)
  set(dir "${WORK_DIR}/case${index}")
  file(REMOVE_RECURSE "${dir}")
  file(WRITE "${dir}/src/CMakeLists.txt"
       "cmake_minimum_required(VERSION 3.20)\nproject(precompile_case LANGUAGES NONE)\n"
       "include(\"${SOURCE_DIR}/cmake/causalrecPrecompile.cmake\")\n"
       "add_custom_target(app)\nadd_custom_target(other)\ncausalrec_precompile_headers(${call})\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S "${dir}/src" -B "${dir}/build" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "causalrec_precompile_headers(${call}) was accepted")
  endif()
  string(REPLACE "\n" " " flat "${err}")
  string(REGEX REPLACE " +" " " flat "${flat}")
  string(FIND "${flat}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "causalrec_precompile_headers(${call}) failed without saying '${expected}':\n${err}")
  endif()
  math(EXPR index "${index} + 1")
endforeach()
message(STATUS "causalrec_precompile_headers: ${index} wrong calls refused with their reasons")
