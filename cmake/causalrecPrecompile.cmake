# causalrec_precompile_headers(<target> [HEADERS <header>...] [REUSE_FROM <other-target>])
#
# Compiles causalrec's headers once per target as a precompiled header (CMake's
# target_precompile_headers), so that each of the target's C++ source files starts from the parsed
# headers instead of parsing them again: with g++ 12 at -O2 a file that includes
# <causalrec/causalrec.hpp> compiles in about 4 s instead of 10 (2.4 s instead of 7.5 with
# CAUSALREC_COMPILED); the precompiled header itself costs about 19 s and 1.3 GB once per target
# (docs/compile-time.md). Worth it for targets with several source files that include causalrec.
#
#   HEADERS     the headers to precompile, as they are included: "<causalrec/nn/nn.hpp>" ...
#               (default: "<causalrec/causalrec.hpp>", every module)
#   REUSE_FROM  use the precompiled header of another target instead of building one. Both targets
#               need the same compile options and definitions: otherwise g++ warns
#               (-Winvalid-pch) and parses the headers again, and clang++ stops with an error.
#
# Only the target's C++ sources get the header (C sources in the same target are left alone).
# Opt-in: nothing changes for targets that do not call it.
function(causalrec_precompile_headers target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "REUSE_FROM" "HEADERS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "causalrec_precompile_headers: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "causalrec_precompile_headers: ${arg_KEYWORDS_MISSING_VALUES} given without a value")
  endif()
  set(resolved "")
  foreach(name IN ITEMS "${target}" ${arg_REUSE_FROM})
    if(NOT TARGET "${name}")
      message(FATAL_ERROR "causalrec_precompile_headers: '${name}' is not a target")
    endif()
    get_target_property(aliased "${name}" ALIASED_TARGET)  # an ALIAS names the real target
    if(aliased)
      set(name "${aliased}")
    endif()
    list(APPEND resolved "${name}")
  endforeach()
  list(GET resolved 0 target)
  if(DEFINED arg_REUSE_FROM)
    if(DEFINED arg_HEADERS)
      message(FATAL_ERROR "causalrec_precompile_headers: give HEADERS or REUSE_FROM, not both")
    endif()
    list(GET resolved 1 other)
    target_precompile_headers("${target}" REUSE_FROM "${other}")
    return()
  endif()
  if(NOT DEFINED arg_HEADERS)
    set(arg_HEADERS "<causalrec/causalrec.hpp>")
  endif()
  set(cxx_only "")
  foreach(header IN LISTS arg_HEADERS)
    if(NOT header MATCHES "^<(causalrec/.+\\.hpp)>$")
      message(FATAL_ERROR "causalrec_precompile_headers: HEADERS takes causalrec headers as they are included, "
                          "such as \"<causalrec/nn/nn.hpp>\", got '${header}'")
    endif()
    # "<h>" for C++ sources only; $<ANGLE-R> because a plain '>' would end the expression.
    list(APPEND cxx_only "$<$<COMPILE_LANGUAGE:CXX>:<${CMAKE_MATCH_1}$<ANGLE-R>>")
  endforeach()
  target_precompile_headers("${target}" PRIVATE ${cxx_only})
endfunction()
