# read_compile_record(<record file> <prefix>): reads a /usr/bin/time record "wall_s peak_kB user_s system_s"
# (tests/support/timed_compile.sh, check_compile_budget.cmake) and sets in the caller <prefix>_WALL
# (as printed), <prefix>_CPU (user + system, in hundredths of a second: CMake's math() is integer-only),
# <prefix>_CPU_TEXT ("12.34") and <prefix>_MB.
function(read_compile_record record prefix)
  file(STRINGS "${record}" line REGEX "^[0-9.]+ [0-9]+ [0-9.]+ [0-9.]+$")
  if(NOT line)
    message(FATAL_ERROR "unreadable compile record ${record}")
  endif()
  string(REPLACE " " ";" fields "${line}")
  list(GET fields 0 seconds)
  list(GET fields 1 kb)
  list(GET fields 2 user)
  list(GET fields 3 system)
  foreach(part user system)   # /usr/bin/time prints two decimals
    string(REPLACE "." "" ${part}_c "${${part}}")
    string(REGEX REPLACE "^0+([0-9])" "\\1" ${part}_c "${${part}_c}")
  endforeach()
  math(EXPR cpu_c "${user_c} + ${system_c}")
  math(EXPR mb "${kb} / 1024")
  format_hundredths(${cpu_c} cpu_text)
  set(${prefix}_WALL "${seconds}" PARENT_SCOPE)
  set(${prefix}_CPU "${cpu_c}" PARENT_SCOPE)
  set(${prefix}_CPU_TEXT "${cpu_text}" PARENT_SCOPE)
  set(${prefix}_MB "${mb}" PARENT_SCOPE)
endfunction()

# format_hundredths(<value> <out>): 1234 -> "12.34"
function(format_hundredths value out)
  math(EXPR whole "${value} / 100")
  math(EXPR frac "${value} % 100")
  if(frac LESS 10)
    set(frac "0${frac}")
  endif()
  set(${out} "${whole}.${frac}" PARENT_SCOPE)
endfunction()
