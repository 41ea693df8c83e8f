"""Conan 2 recipe for xtensor-blas (header-only BLAS/LAPACK bindings for xtensor), which ConanCenter lacks.

    conan create packaging/conan/xtensor-blas --version 0.20.0
"""
import os

from conan import ConanFile
from conan.tools.files import copy, get
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"

# The xtensor release each xtensor-blas release is built for.
XTENSOR_FOR = {"0.20.0": "xtensor/0.24.7", "0.21.0": "xtensor/0.25.0", "0.22.0": "xtensor/0.26.0"}


class XtensorBlasConan(ConanFile):
    """Recipe: headers copied from the release archive; BLAS/LAPACK from openblas."""

    name = "xtensor-blas"
    description = "BLAS and LAPACK bindings for xtensor"
    license = "BSD-3-Clause"
    homepage = "https://github.com/xtensor-stack/xtensor-blas"
    topics = ("blas", "lapack", "xtensor", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    no_copy_source = True

    def layout(self):
        basic_layout(self, src_folder="src")

    def requirements(self):
        self.requires(XTENSOR_FOR.get(str(self.version), "xtensor/0.24.7"), transitive_headers=True)
        self.requires("openblas/0.3.27", transitive_headers=True, transitive_libs=True)

    def package_id(self):
        self.info.clear()

    def source(self):
        get(self, **self.conan_data["sources"][str(self.version)], strip_root=True)

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        for pattern in ("*.hpp", "*.h", "*.tcc", "*.cxx"):
            copy(self, pattern, src=os.path.join(self.source_folder, "include"),
                 dst=os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "xtensor-blas")
        self.cpp_info.set_property("cmake_target_name", "xtensor-blas")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.requires = ["xtensor::xtensor", "openblas::openblas"]
