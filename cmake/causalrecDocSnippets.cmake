# causalrec_add_doc_snippets(<pages...>): every ```cpp block of the given Markdown pages that contains
# "int main" is built with the project and run as a test (doc_<page>_<n>), so the docs cannot rot.
#
# All snippets are compiled into one program, doc_snippet_runner: each snippet's #include lines go to the
# top of its page's source file and the rest of its code into a namespace of its own (its main() becomes
# doc_<page>_<n>::main), and `doc_snippet_runner doc_<page>_<n>` runs one of them. Parsing the library's
# headers once instead of once per snippet keeps the test build short. CAUSALREC_DOC_SNIPPET_SHARDS
# spreads the pages over that many source files instead (each with only the includes its snippets use):
# more CPU time in all (g++ -Og: 94 s in four files against 39 s in one), but no single long compile
# left to finish alone on one core at the end of a build (109 s in one file under the sanitizers,
# where scripts/test.sh --sanitize uses four).
set(CAUSALREC_DOC_SNIPPET_SHARDS 1 CACHE STRING "Number of source files the documentation snippets are compiled in")
function(causalrec_add_doc_snippets)
  set(pages ${ARGN})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${pages})
  set(shards "${CAUSALREC_DOC_SNIPPET_SHARDS}")
  if(NOT shards GREATER 0)
    set(shards 1)
  endif()
  math(EXPR last_shard "${shards} - 1")
  foreach(shard RANGE ${last_shard})
    set(includes_${shard} "")
    set(bodies_${shard} "")
  endforeach()
  set(names "")
  set(page_number 0)
  foreach(page IN LISTS pages)
    get_filename_component(stem "${page}" NAME_WE)
    file(READ "${page}" text)
    string(REPLACE ";" "\\;" text "${text}")
    string(REGEX MATCHALL "```cpp\n[^`]*```" blocks "${text}")
    set(index 0)
    math(EXPR shard "${page_number} % ${shards}")
    foreach(block IN LISTS blocks)
      if(NOT block MATCHES "int main")
        continue()
      endif()
      string(REGEX REPLACE "^```cpp\n" "" code "${block}")
      string(REGEX REPLACE "```$" "" code "${code}")
      math(EXPR index "${index} + 1")
      string(MAKE_C_IDENTIFIER "doc_${stem}_${index}" name)
      string(REGEX MATCHALL "#include[^\n]*\n" snippet_includes "${code}")
      foreach(line IN LISTS snippet_includes)
        string(FIND "${includes_${shard}}" "${line}" seen)
        if(seen EQUAL -1)
          string(APPEND includes_${shard} "${line}")
        endif()
      endforeach()
      string(REGEX REPLACE "#include[^\n]*\n" "" body "${code}")
      string(APPEND bodies_${shard} "// ---- docs/${stem}.md, snippet ${index}\nnamespace ${name} {\n${body}}  // namespace ${name}\n\n")
      list(APPEND names "${name}")
      add_test(NAME "${name}" COMMAND doc_snippet_runner "${name}" WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
      set_tests_properties("${name}" PROPERTIES LABELS "docs")
    endforeach()
    if(index GREATER 0)
      math(EXPR page_number "${page_number} + 1")
    endif()
  endforeach()
  set(sources "")
  foreach(shard RANGE ${last_shard})
    if(bodies_${shard} STREQUAL "")
      continue()
    endif()
    set(source "${CMAKE_CURRENT_BINARY_DIR}/doc_snippets/doc_snippets_${shard}.cpp")
    file(CONFIGURE OUTPUT "${source}" CONTENT
"// Code blocks of the documentation that have a main(), one namespace each (generated).
${includes_${shard}}
${bodies_${shard}}" @ONLY)
    list(APPEND sources "${source}")
  endforeach()
  set(declarations "")
  set(dispatch "")
  foreach(name IN LISTS names)
    string(APPEND declarations "namespace ${name} { int main(); }\n")
    string(APPEND dispatch "    if (std::strcmp(argv[1], \"${name}\") == 0) return ${name}::main();\n")
  endforeach()
  set(source "${CMAKE_CURRENT_BINARY_DIR}/doc_snippets/doc_snippet_runner.cpp")
  file(CONFIGURE OUTPUT "${source}" CONTENT
"// Runs one code block of the documentation by name (generated).
#include <cstdio>
#include <cstring>

${declarations}
int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, \"usage: doc_snippet_runner <snippet name>\\n\");
        return 2;
    }
${dispatch}    std::fprintf(stderr, \"doc_snippet_runner: no snippet called %s\\n\", argv[1]);
    return 2;
}
" @ONLY)
  add_executable(doc_snippet_runner "${source}" ${sources})
  target_link_libraries(doc_snippet_runner PRIVATE causalrec::causalrec causalrec_warnings)
  if(TARGET causalrec::mpi AND TARGET causalrec::ann)  # the distributed page's snippets (run as one process)
    target_link_libraries(doc_snippet_runner PRIVATE causalrec::mpi causalrec::ann)
  endif()
endfunction()
