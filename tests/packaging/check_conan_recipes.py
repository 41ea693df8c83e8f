"""Checks the Conan 2 recipes without Conan: conanfile.py, test_package/conanfile.py and
packaging/conan/xtensor-blas/conanfile.py are loaded against small stand-ins for the conan modules,
and their methods are called to check what they declare (requirements, package type and id, exported
sources, generated CMake variables, package_info). Not exercised: Conan itself, downloads, the
ConanCenter recipes of the dependencies and a real `conan create`.

    python3 check_conan_recipes.py <causalrec source dir>
"""
import importlib.util
import sys
import types
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ beside the recipes


class Recorder:
    """Accepts any attribute or call and remembers set_property calls."""

    def __init__(self):
        self.properties = {}

    def set_property(self, key, value):
        self.properties[key] = value


class ConanFile:
    """Stand-in base class: records requires() calls."""

    def __init__(self):
        self.required = []
        self.settings = types.SimpleNamespace()
        self.options = types.SimpleNamespace(**{k: v for k, v in getattr(self, "default_options", {}).items() if "/" not in k})
        self.info = types.SimpleNamespace(cleared=False, options=self.options)
        self.info.clear = lambda: setattr(self.info, "cleared", True)
        self.cpp_info = Recorder()
        self.tested_reference_str = "causalrec/0.1.0"

    def requires(self, reference, **traits):
        self.required.append((reference, traits))


class CMakeToolchain:
    """Stand-in: keeps the cache variables the recipe sets."""

    last = None

    def __init__(self, conanfile):
        self.cache_variables = {}
        self.variables = {}
        CMakeToolchain.last = self

    def generate(self):
        pass


def install_stubs():
    noop = lambda *a, **k: None  # noqa: E731
    modules = {
        "conan": {"ConanFile": ConanFile},
        "conan.errors": {"ConanInvalidConfiguration": Exception},
        "conan.tools": {},
        "conan.tools.build": {"check_min_cppstd": noop, "can_run": lambda *a: True},
        "conan.tools.cmake": {"CMake": object, "CMakeDeps": lambda c: types.SimpleNamespace(generate=noop),
                              "CMakeToolchain": CMakeToolchain, "cmake_layout": noop},
        "conan.tools.files": {"copy": noop, "get": noop, "rmdir": noop},
        "conan.tools.layout": {"basic_layout": noop},
    }
    for name, attrs in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem + str(abs(hash(path))), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, ConanFile) and c is not ConanFile]
    assert len(classes) == 1, f"{path}: expected one ConanFile class, found {classes}"
    return classes[0]()


def expect(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def check_causalrec_recipe(root, project_version, compiled):
    """The root recipe, header-only (compiled=False) or with the compiled part."""
    recipe = load(root / "conanfile.py")
    expect(recipe.name == "causalrec" and recipe.version == project_version,
           f"name/version {recipe.name}/{recipe.version} (project {project_version})")
    recipe.options.compiled = compiled
    recipe.configure()
    kind = "static-library" if compiled else "header-library"
    expect(recipe.package_type == kind, f"package_type is {kind} with compiled={compiled}")
    for pattern in ("include/*", "src/*", "cmake/*", "CMakeLists.txt", "LICENSE"):
        expect(pattern in recipe.exports_sources, f"exports_sources has {pattern}")
    recipe.requirements()
    names = {ref.split("/")[0] for ref, _ in recipe.required}
    expect(names == {"xtl", "xtensor", "xtensor-blas", "nlohmann_json", "openblas"}, f"requirements {sorted(names)}")
    expect(all(traits.get("transitive_headers") for _, traits in recipe.required), "header requirements are transitive")
    recipe.package_id()
    expect(recipe.info.cleared != compiled,
           "package_id() clears the info when header-only (one package for every configuration), not when compiled")
    recipe.generate()
    variables = CMakeToolchain.last.cache_variables
    for option in ("TESTS", "EXAMPLES", "BENCHMARKS"):
        expect(variables.get(f"CAUSALREC_BUILD_{option}") is False, f"CAUSALREC_BUILD_{option} is off")
    expect(variables.get("CAUSALREC_BLAS_PACKAGE") == "OpenBLAS", "BLAS from the OpenBLAS config package")
    expect(variables.get("CAUSALREC_COMPILED") is compiled, f"CAUSALREC_COMPILED is {compiled}")
    recipe.package_info()
    expect(recipe.cpp_info.properties.get("cmake_target_name") == "causalrec::causalrec", "target causalrec::causalrec")
    expect(recipe.cpp_info.properties.get("cmake_build_modules") == ["lib/cmake/causalrec/causalrecPrecompile.cmake"],
           "the build module with causalrec_precompile_headers()")
    if compiled:
        expect(getattr(recipe.cpp_info, "libs", None) == ["causalrec"], "the compiled package links libcausalrec")
        expect("CAUSALREC_COMPILED" in recipe.cpp_info.defines, "the compiled package defines CAUSALREC_COMPILED")
    else:
        expect(recipe.cpp_info.libdirs == [] and recipe.cpp_info.bindirs == [], "no lib or bin directories")
        expect("CAUSALREC_COMPILED" not in recipe.cpp_info.defines, "header-only: no CAUSALREC_COMPILED")
    for ref in ("xtensor-blas::xtensor-blas", "openblas::openblas", "nlohmann_json::nlohmann_json"):
        expect(ref in recipe.cpp_info.requires, f"package_info requires {ref}")
    for path in ("CMakeLists.txt", "include/causalrec/causalrec.hpp", "src/io.cpp", "cmake/causalrecConfig.cmake.in",
                 "cmake/causalrecPrecompile.cmake", "LICENSE"):
        expect((root / path).exists(), f"{path} exists (exported)")


def main(root):
    install_stubs()
    project_version = next(line.split("VERSION")[1].split()[0] for line in (root / "CMakeLists.txt").read_text().splitlines()
                           if line.startswith("project(causalrec"))

    check_causalrec_recipe(root, project_version, compiled=False)
    check_causalrec_recipe(root, project_version, compiled=True)

    test = load(root / "test_package" / "conanfile.py")
    test = load(root / "test_package" / "conanfile.py")
    test.requirements()
    expect(test.required == [("causalrec/0.1.0", {})], "test_package requires the tested reference")
    expect({"CMakeDeps", "CMakeToolchain"} <= set(test.generators), "test_package generators")
    expect((root / "test_package" / "CMakeLists.txt").exists() and (root / "test_package" / "test_package.cpp").exists(),
           "test_package sources")

    blas_dir = root / "packaging" / "conan" / "xtensor-blas"
    blas = load(blas_dir / "conanfile.py")
    expect(blas.package_type == "header-library", "xtensor-blas is a header-library")
    data = (blas_dir / "conandata.yml").read_text()
    for version in ("0.20.0", "0.21.0", "0.22.0"):
        expect(f'"{version}":' in data and f"tags/{version}.tar.gz" in data, f"conandata.yml has {version}")
        blas.version = version
        blas.required = []
        blas.requirements()
        expect({ref.split("/")[0] for ref, _ in blas.required} == {"xtensor", "openblas"}, "xtensor-blas requirements")
    blas.version = "0.20.0"
    blas.required = []
    blas.requirements()
    expect(blas.required[0][0] == "xtensor/0.24.7", "xtensor-blas 0.20 goes with xtensor 0.24")
    blas.package_info()
    expect(blas.cpp_info.properties.get("cmake_target_name") == "xtensor-blas", "xtensor-blas target name")
    print("conan recipes: causalrec, test_package and xtensor-blas declare what they should")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
