# The seed example's compile budget (tests/compile_budget.txt), run with cmake -P by the test
# compile_budget_seed, which CTest runs alone (RUN_SERIAL): on a 2-core machine a compile that shares
# the cores with another takes up to 1.6 times the CPU time it takes alone, which no fixed margin can
# tell from a regression. Compiles, one after the other, the reference (tests/support/compile_reference.cpp,
# twice: the faster counts) and examples/seed_pipeline/seed_pipeline.cpp at FLAGS (a user's release
# build: -std=c++20 -O2 -DNDEBUG), each under /usr/bin/time, and fails when the seed compile's CPU time
# (user + system) is more than 115 % of BUDGET_RATIO times the reference's, or its peak resident memory
# more than 115 % of BUDGET_MB.
# Arguments: CXX, FLAGS, INCLUDE_DIRS, DEFINITIONS (lists), SEED, REFERENCE, WORK_DIR, BUDGET_RATIO, BUDGET_MB,
# MODE (header-only or compiled, for the message).
foreach(required CXX SEED REFERENCE WORK_DIR BUDGET_RATIO BUDGET_MB)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "check_compile_budget.cmake: ${required} is not set")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(arguments ${FLAGS})
foreach(dir IN LISTS INCLUDE_DIRS)
  list(APPEND arguments "-I${dir}")
endforeach()
foreach(definition IN LISTS DEFINITIONS)
  list(APPEND arguments "-D${definition}")
endforeach()

include("${CMAKE_CURRENT_LIST_DIR}/compile_record.cmake")

# compile(<source> <prefix>): compiles once and sets <prefix>_CPU (hundredths of a CPU second) and
# <prefix>_MB in the caller.
function(compile source prefix)
  set(record "${WORK_DIR}/${prefix}.time")
  execute_process(COMMAND /usr/bin/time -f "%e %M %U %S" -o "${record}" "${CXX}" ${arguments} -c "${source}"
                          -o "${WORK_DIR}/${prefix}.o"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling ${source} failed (${rc}):\n${out}\n${err}")
  endif()
  read_compile_record("${record}" this)
  set(${prefix}_CPU "${this_CPU}" PARENT_SCOPE)
  set(${prefix}_MB "${this_MB}" PARENT_SCOPE)
endfunction()

compile("${REFERENCE}" reference_1)
compile("${SEED}" seed)
compile("${REFERENCE}" reference_2)
set(REF_CPU "${reference_1_CPU}")
if(reference_2_CPU LESS REF_CPU)
  set(REF_CPU "${reference_2_CPU}")
endif()
if(REF_CPU LESS 1)
  set(REF_CPU 1)
endif()

math(EXPR ratio_c "${seed_CPU} * 100 / ${REF_CPU}")
string(REGEX MATCH "^([0-9]+)(\\.([0-9]+))?$" parsed "${BUDGET_RATIO}")
if(NOT parsed)
  message(FATAL_ERROR "BUDGET_RATIO '${BUDGET_RATIO}' is not a number")
endif()
set(budget_whole "${CMAKE_MATCH_1}")
set(budget_frac "${CMAKE_MATCH_3}00")
string(SUBSTRING "${budget_frac}" 0 2 budget_frac)
string(REGEX REPLACE "^0([0-9])" "\\1" budget_frac "${budget_frac}")
math(EXPR budget_c "${budget_whole} * 100 + ${budget_frac}")
math(EXPR ratio_limit_c "${budget_c} * 115 / 100")
math(EXPR mb_limit "${BUDGET_MB} * 115 / 100")
format_hundredths(${seed_CPU} seed_text)
format_hundredths(${REF_CPU} reference_text)
format_hundredths(${ratio_c} ratio_text)
format_hundredths(${ratio_limit_c} ratio_limit_text)
string(REPLACE ";" " " shown_flags "${FLAGS}")
set(verdict "examples/seed_pipeline (${MODE}, ${shown_flags}): ${seed_text} CPU s = ${ratio_text} x the reference compile (${reference_text} s), ${seed_MB} MB; budget ${BUDGET_RATIO} x and ${BUDGET_MB} MB, limits ${ratio_limit_text} x and ${mb_limit} MB (tests/compile_budget.txt)")
if(ratio_c GREATER ratio_limit_c OR seed_MB GREATER mb_limit)
  message(FATAL_ERROR "compile budget exceeded: ${verdict}")
endif()
message(STATUS "within the compile budget: ${verdict}")
