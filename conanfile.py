"""Conan 2 recipe for causalrec, a header-only C++20 library with an optional compiled part (docs/packaging.md).

    conan create packaging/conan/xtensor-blas --version 0.20.0   # ConanCenter has no xtensor-blas
    conan create . --build=missing
    conan create . --build=missing -o causalrec/*:compiled=True  # with the static library causalrec::compiled
"""
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, rmdir

required_conan_version = ">=2.0"


class CausalrecConan(ConanFile):
    """Recipe: headers installed by the project's CMakeLists.txt, consumed through CMakeDeps."""

    name = "causalrec"
    version = "0.1.0"
    description = "Header-only C++20 library for deep-learning recommender systems with causal inference"
    license = "Apache-2.0"
    topics = ("recommender-systems", "causal-inference", "deep-learning", "header-only")
    package_type = "header-library"  # a static library with compiled=True (configure())
    settings = "os", "arch", "compiler", "build_type"
    # compiled: also build causalrec::compiled, the one-shot code (SVG charts, safetensors files, history
    # CSV) compiled once instead of in every program (CMake option CAUSALREC_COMPILED).
    options = {"compiled": [True, False]}
    exports_sources = "include/*", "src/*", "cmake/*", "CMakeLists.txt", "LICENSE"
    no_copy_source = True
    # xtensor-blas and causalrec call LAPACK through OpenBLAS.
    default_options = {"compiled": False, "openblas/*:build_lapack": True}

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # Header-only: every dependency is part of the consumer's interface.
        self.requires("xtl/0.7.5", transitive_headers=True)
        self.requires("xtensor/0.24.7", transitive_headers=True)
        self.requires("xtensor-blas/0.20.0", transitive_headers=True)
        self.requires("nlohmann_json/3.11.3", transitive_headers=True)
        self.requires("openblas/0.3.27", transitive_headers=True, transitive_libs=True)

    def configure(self):
        if self.options.compiled:
            self.package_type = "static-library"

    def package_id(self):
        if not self.info.options.compiled:
            self.info.clear()  # header-only: one package for every configuration

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        CMakeDeps(self).generate()
        toolchain = CMakeToolchain(self)
        for option in ("TESTS", "EXAMPLES", "BENCHMARKS", "FUZZERS"):
            toolchain.cache_variables[f"CAUSALREC_BUILD_{option}"] = False
        # Conan's openblas is a CMake config package (OpenBLAS::OpenBLAS), not found by FindBLAS.
        toolchain.cache_variables["CAUSALREC_BLAS_PACKAGE"] = "OpenBLAS"
        toolchain.cache_variables["CAUSALREC_BLAS_TARGET"] = "OpenBLAS::OpenBLAS"
        toolchain.cache_variables["CAUSALREC_COMPILED"] = bool(self.options.compiled)
        toolchain.generate()

    def build(self):
        if self.options.compiled:
            cmake = CMake(self)
            cmake.configure()
            cmake.build()

    def package(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.install()
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        # Consumers get the CMake config that CMakeDeps generates from package_info(), and the
        # causalrec_precompile_headers() helper as a build module.
        rmdir(self, os.path.join(self.package_folder, "share"))
        copy(self, "causalrecPrecompile.cmake", src=os.path.join(self.source_folder, "cmake"),
             dst=os.path.join(self.package_folder, "lib", "cmake", "causalrec"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "causalrec")
        self.cpp_info.set_property("cmake_target_name", "causalrec::causalrec")
        self.cpp_info.set_property("cmake_build_modules", [os.path.join("lib", "cmake", "causalrec", "causalrecPrecompile.cmake")])
        self.cpp_info.bindirs = []
        # Lets set_num_threads() reach OpenBLAS's thread pool (as the CMake package does).
        self.cpp_info.defines = ["CAUSALREC_USE_OPENBLAS"]
        if self.options.compiled:
            self.cpp_info.libs = ["causalrec"]
            self.cpp_info.defines.append("CAUSALREC_COMPILED")
        else:
            self.cpp_info.libdirs = []
        self.cpp_info.requires = ["xtl::xtl", "xtensor::xtensor", "xtensor-blas::xtensor-blas",
                                  "nlohmann_json::nlohmann_json", "openblas::openblas"]
