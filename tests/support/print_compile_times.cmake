# Prints the compile time and peak memory recorded for each header check (tests/support/timed_compile.sh)
# and fails when one is missing. Arguments: DIR (the object directory of causalrec_header_checks), HEADERS,
# and optionally SEED_DIR (the object directory of the seed_pipeline example, recorded the same way).
# These are figures as built, next to other compiles; the seed example's budget is checked on its own
# by the test compile_budget_seed (tests/support/check_compile_budget.cmake).
set(table "| compiled alone (as built) | wall s | CPU s | MB |\n|---|---|---|---|\n")

include("${CMAKE_CURRENT_LIST_DIR}/compile_record.cmake")

# Appends the row "| label | wall s | CPU s | MB |" from the record <directory>/**/<object>.time.
function(append_record label directory object)
  file(GLOB_RECURSE record "${directory}/${object}.time")
  if(NOT record)
    message(FATAL_ERROR "no compile record for ${label} in ${directory} (was it built?)")
  endif()
  read_compile_record("${record}" this)
  set(table "${table}| ${label} | ${this_WALL} | ${this_CPU_TEXT} | ${this_MB} |\n" PARENT_SCOPE)
endfunction()

foreach(header IN LISTS HEADERS)
  string(MAKE_C_IDENTIFIER "${header}" id)
  append_record("<causalrec/${header}>" "${DIR}" "${id}.cpp.o")
endforeach()
if(SEED_DIR)
  append_record("examples/seed_pipeline (whole program)" "${SEED_DIR}" "seed_pipeline.cpp.o")
  append_record("tests/support/compile_reference.cpp (no causalrec)" "${DIR}" "compile_reference.cpp.o")
endif()
message(STATUS "\n${table}")

