# The compile budgets of tests/compile_budget.txt, run with cmake -P by the test compile_budget_seed,
# which CTest runs alone (RUN_SERIAL): on a 2-core machine a compile that shares the cores with another
# takes up to 1.6 times the CPU time it takes alone, which no fixed margin can tell from a regression.
# Compiles, one after the other, the reference (tests/support/compile_reference.cpp, twice: the faster
# counts), examples/seed_pipeline/seed_pipeline.cpp and, when UMBRELLA is given, a file that includes
# only the umbrella header (tests/support/umbrella_user.cpp), at FLAGS (a user's release build:
# -std=c++20 -O2 -DNDEBUG), each under /usr/bin/time, and fails when a compile's CPU time (user +
# system) is more than 115 % of its budget's multiple of the reference's, or its peak resident memory
# more than 115 % of its budget in MB.
# Arguments: CXX, FLAGS, INCLUDE_DIRS, DEFINITIONS (lists), SEED, REFERENCE, WORK_DIR, BUDGET_RATIO, BUDGET_MB,
# MODE (header-only or compiled, for the message); optionally UMBRELLA, UMBRELLA_RATIO, UMBRELLA_MB.
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
if(DEFINED UMBRELLA)
  compile("${UMBRELLA}" umbrella)
endif()
compile("${REFERENCE}" reference_2)
set(REF_CPU "${reference_1_CPU}")
if(reference_2_CPU LESS REF_CPU)
  set(REF_CPU "${reference_2_CPU}")
endif()
if(REF_CPU LESS 1)
  set(REF_CPU 1)
endif()
format_hundredths(${REF_CPU} reference_text)
string(REPLACE ";" " " shown_flags "${FLAGS}")

# check(<what> <prefix> <budget ratio> <budget MB>): appends the verdict to `verdicts` and sets
# `exceeded` in the caller when a figure is above 115 % of its budget.
function(check what prefix budget_ratio budget_mb)
  math(EXPR ratio_c "${${prefix}_CPU} * 100 / ${REF_CPU}")
  string(REGEX MATCH "^([0-9]+)(\\.([0-9]+))?$" parsed "${budget_ratio}")
  if(NOT parsed)
    message(FATAL_ERROR "the budget ratio '${budget_ratio}' of ${what} is not a number")
  endif()
  set(budget_whole "${CMAKE_MATCH_1}")
  set(budget_frac "${CMAKE_MATCH_3}00")
  string(SUBSTRING "${budget_frac}" 0 2 budget_frac)
  string(REGEX REPLACE "^0([0-9])" "\\1" budget_frac "${budget_frac}")
  math(EXPR budget_c "${budget_whole} * 100 + ${budget_frac}")
  math(EXPR ratio_limit_c "${budget_c} * 115 / 100")
  math(EXPR mb_limit "${budget_mb} * 115 / 100")
  format_hundredths(${${prefix}_CPU} cpu_text)
  format_hundredths(${ratio_c} ratio_text)
  format_hundredths(${ratio_limit_c} ratio_limit_text)
  set(verdict "${what} (${MODE}, ${shown_flags}): ${cpu_text} CPU s = ${ratio_text} x the reference compile (${reference_text} s), ${${prefix}_MB} MB; budget ${budget_ratio} x and ${budget_mb} MB, limits ${ratio_limit_text} x and ${mb_limit} MB (tests/compile_budget.txt)")
  set(verdicts "${verdicts}\n  ${verdict}" PARENT_SCOPE)
  if(ratio_c GREATER ratio_limit_c OR ${prefix}_MB GREATER mb_limit)
    set(exceeded "${exceeded}\n  ${verdict}" PARENT_SCOPE)
  endif()
endfunction()

set(verdicts "")
set(exceeded "")
check("examples/seed_pipeline" seed "${BUDGET_RATIO}" "${BUDGET_MB}")
if(DEFINED UMBRELLA)
  check("a file including <causalrec/causalrec.hpp>" umbrella "${UMBRELLA_RATIO}" "${UMBRELLA_MB}")
endif()
if(exceeded)
  message(FATAL_ERROR "compile budget exceeded:${exceeded}")
endif()
message(STATUS "within the compile budget:${verdicts}")
