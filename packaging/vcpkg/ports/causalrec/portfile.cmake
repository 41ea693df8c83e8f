# Overlay port for causalrec, kept in the causalrec repository: it builds the checkout it sits in
#   vcpkg install causalrec --overlay-ports=<causalrec>/packaging/vcpkg/ports
# Set CAUSALREC_SOURCE_DIR (in a triplet file, or the environment with VCPKG_KEEP_ENV_VARS) to build
# another checkout. For a registry port, replace this block with vcpkg_from_github(OUT_SOURCE_PATH
# SOURCE_PATH REPO <owner>/causalrec REF v${VERSION} SHA512 <hash of the release archive>).
if(DEFINED CAUSALREC_SOURCE_DIR)
  set(SOURCE_PATH "${CAUSALREC_SOURCE_DIR}")
elseif(DEFINED ENV{CAUSALREC_SOURCE_DIR})
  set(SOURCE_PATH "$ENV{CAUSALREC_SOURCE_DIR}")
else()
  get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
endif()
if(NOT EXISTS "${SOURCE_PATH}/include/causalrec/causalrec.hpp")
  message(FATAL_ERROR "causalrec sources not found in ${SOURCE_PATH}")
endif()

# Feature "compiled": the static library causalrec::compiled beside the headers (CAUSALREC_COMPILED).
vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS FEATURES compiled CAUSALREC_COMPILED)
if("compiled" IN_LIST FEATURES)
  vcpkg_check_linkage(ONLY_STATIC_LIBRARY)
else()
  # Header-only: one (release) configuration, nothing compiled, no debug tree.
  set(VCPKG_BUILD_TYPE release)
endif()

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DCAUSALREC_BUILD_TESTS=OFF
        -DCAUSALREC_BUILD_EXAMPLES=OFF
        -DCAUSALREC_BUILD_BENCHMARKS=OFF
        -DCAUSALREC_BUILD_FUZZERS=OFF
        ${FEATURE_OPTIONS}
)
vcpkg_cmake_install()
# The package installs its CMake files to share/cmake/causalrec; vcpkg wants them in share/causalrec.
vcpkg_cmake_config_fixup(PACKAGE_NAME causalrec CONFIG_PATH share/cmake/causalrec)

if("compiled" IN_LIST FEATURES)
  file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")
else()
  file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug" "${CURRENT_PACKAGES_DIR}/lib")
endif()
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
