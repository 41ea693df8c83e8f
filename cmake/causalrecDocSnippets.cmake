# causalrec_add_doc_snippets(<pages...>): every ```cpp block of the given Markdown pages that contains
# "int main" is built with the project and run as a test (doc_<page>_<n>), so the docs cannot rot.
#
# All snippets are compiled into one program, doc_snippet_runner: each snippet's #include lines go to the
# top and the rest of its code into a namespace of its own (its main() becomes doc_<page>_<n>::main),
# and `doc_snippet_runner doc_<page>_<n>` runs one of them. Parsing the library's headers once instead of
# once per snippet keeps the test build short; every snippet is still a test of its own.
function(causalrec_add_doc_snippets)
  set(pages ${ARGN})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${pages})
  set(includes "")
  set(bodies "")
  set(names "")
  foreach(page IN LISTS pages)
    get_filename_component(stem "${page}" NAME_WE)
    file(READ "${page}" text)
    string(REPLACE ";" "\\;" text "${text}")
    string(REGEX MATCHALL "```cpp\n[^`]*```" blocks "${text}")
    set(index 0)
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
        string(FIND "${includes}" "${line}" seen)
        if(seen EQUAL -1)
          string(APPEND includes "${line}")
        endif()
      endforeach()
      string(REGEX REPLACE "#include[^\n]*\n" "" body "${code}")
      string(APPEND bodies "// ---- docs/${stem}.md, snippet ${index}\nnamespace ${name} {\n${body}}  // namespace ${name}\n\n")
      list(APPEND names "${name}")
      add_test(NAME "${name}" COMMAND doc_snippet_runner "${name}" WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
      set_tests_properties("${name}" PROPERTIES LABELS "docs")
    endforeach()
  endforeach()
  set(dispatch "")
  foreach(name IN LISTS names)
    string(APPEND dispatch "    if (std::strcmp(argv[1], \"${name}\") == 0) return ${name}::main();\n")
  endforeach()
  set(source "${CMAKE_CURRENT_BINARY_DIR}/doc_snippets/doc_snippets.cpp")
  file(CONFIGURE OUTPUT "${source}" CONTENT
"// The code blocks of the documentation that have a main(), one namespace each (generated).
${includes}#include <cstdio>
#include <cstring>

${bodies}int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, \"usage: doc_snippet_runner <snippet name>\\n\");
        return 2;
    }
${dispatch}    std::fprintf(stderr, \"doc_snippet_runner: no snippet called %s\\n\", argv[1]);
    return 2;
}
" @ONLY)
  add_executable(doc_snippet_runner "${source}")
  target_link_libraries(doc_snippet_runner PRIVATE causalrec::causalrec causalrec_warnings)
endfunction()
