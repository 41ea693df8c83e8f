# causalrec_precompile_headers(<target> [HEADERS <header>...] [REUSE_FROM <other-target>])
#
# Compiles causalrec's headers once per target as a precompiled header (CMake's
# target_precompile_headers), so that each of the target's source files starts from the parsed
# headers instead of parsing them again: with g++ 12 at -O2 a file that includes
# <causalrec/causalrec.hpp> compiles in about 4 s instead of 10 (2.4 s instead of 7.5 with
# CAUSALREC_COMPILED); the precompiled header itself costs about 19 s and 1.3 GB once per target
# (docs/compile-time.md). Worth it for targets with several source files that include causalrec.
#
#   HEADERS     the headers to precompile, as they are included: "<causalrec/nn/nn.hpp>" ...
#               (default: "<causalrec/causalrec.hpp>", every module)
#   REUSE_FROM  use the precompiled header of another target instead of building one; both
#               targets need the same compile options and definitions (CMake checks it)
#
# Every source file of the target is compiled with the header included first. Opt-in: nothing
# changes for targets that do not call it.
function(causalrec_precompile_headers target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "REUSE_FROM" "HEADERS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "causalrec_precompile_headers: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  foreach(name IN ITEMS "${target}" ${arg_REUSE_FROM})
    if(NOT TARGET "${name}")
      message(FATAL_ERROR "causalrec_precompile_headers: '${name}' is not a target")
    endif()
  endforeach()
  if(arg_REUSE_FROM)
    if(arg_HEADERS)
      message(FATAL_ERROR "causalrec_precompile_headers: give HEADERS or REUSE_FROM, not both")
    endif()
    target_precompile_headers("${target}" REUSE_FROM "${arg_REUSE_FROM}")
    return()
  endif()
  if(NOT arg_HEADERS)
    set(arg_HEADERS "<causalrec/causalrec.hpp>")
  endif()
  foreach(header IN LISTS arg_HEADERS)
    if(NOT header MATCHES "^<causalrec/.+\\.hpp>$")
      message(FATAL_ERROR "causalrec_precompile_headers: HEADERS takes causalrec headers as they are included, "
                          "such as \"<causalrec/nn/nn.hpp>\", got '${header}'")
    endif()
  endforeach()
  target_precompile_headers("${target}" PRIVATE ${arg_HEADERS})
endfunction()
