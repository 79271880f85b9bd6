"""Conan 2 recipe for kvlsm, kept in kvlsm's repository.

    conan create packaging/conan --build=missing -s compiler.cppstd=20
    conan create packaging/conan --build=missing -s compiler.cppstd=20 -o "kvlsm/*:shared=True"

The recipe packages the checkout it lives in (two directories up) and reads its version
from project(kvlsm VERSION ...) in that checkout's CMakeLists.txt, so neither can drift
from the build. tests/packaging/check_package_files.py checks the CMake options and the
target and module names used here against the build.
"""

import os
import re

from conan import ConanFile
from conan.errors import ConanException, ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.0"

# Where project() states the version in CMakeLists.txt; the drift test applies the same
# pattern.
_VERSION_PATTERN = r"project\(kvlsm\s+VERSION\s+(\d+\.\d+\.\d+)"

# What of the checkout a build of the library needs (examples, tests and benchmarks are
# turned off).
_SOURCES = ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*", "src/*", "tools/*")

# Abseil components, as Conan Center's abseil recipe names them (absl_<CMake target>).
# Public: their types appear in kvlsm's headers.
_ABSL_PUBLIC = ("absl_status", "absl_statusor", "absl_strings", "absl_synchronization")
_ABSL_PRIVATE = ("absl_str_format", "absl_flat_hash_map", "absl_flat_hash_set", "absl_time")
_ABSL_CLUSTER_PRIVATE = ("absl_str_format", "absl_flat_hash_map", "absl_random_random")


class KvlsmConan(ConanFile):
    name = "kvlsm"
    description = "An embeddable LSM key-value store for C++20"
    license = "Apache-2.0"
    topics = ("key-value", "lsm-tree", "storage-engine", "database", "embedded")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "tools": [True, False],
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "tools": False,
    }

    def set_version(self):
        cmakelists = load(self, os.path.join(self.recipe_folder, "..", "..", "CMakeLists.txt"))
        match = re.search(_VERSION_PATTERN, cmakelists)
        if match is None:
            raise ConanException("CMakeLists.txt has no project(kvlsm VERSION x.y.z)")
        self.version = match.group(1)

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..", "..")
        for pattern in _SOURCES:
            copy(self, pattern, src=root, dst=self.export_sources_folder)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # The version Debian 12 ships, which kvlsm is developed and tested against.
        self.requires("abseil/20220623.1", transitive_headers=True, transitive_libs=True)
        self.requires("zstd/1.5.5")
        # Used header-only (XXH_INLINE_ALL): needed to compile kvlsm, never by its users.
        self.requires("xxhash/0.8.2", visible=False)

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os == "Windows":
            raise ConanInvalidConfiguration(f"{self.ref} needs a POSIX system (its Env is POSIX)")

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["KVLSM_BUILD_TESTS"] = False
        toolchain.cache_variables["KVLSM_BUILD_BENCHMARKS"] = False
        toolchain.cache_variables["KVLSM_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["KVLSM_BUILD_TOOLS"] = bool(self.options.tools)
        toolchain.cache_variables["KVLSM_INSTALL"] = True
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", src=self.source_folder,
             dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Conan's generators describe the package from package_info() below; the CMake and
        # pkg-config files of the build would name the dependencies' non-Conan paths.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        # kvlsm::kvlsm and the pkg-config module kvlsm name the whole package (as libcurl's
        # recipe does for CURL::libcurl), so that the root target does not collide with a
        # component's; kvlsm::cluster is the distribution module alone.
        self.cpp_info.set_property("cmake_file_name", "kvlsm")
        self.cpp_info.set_property("cmake_target_name", "kvlsm::kvlsm")
        self.cpp_info.set_property("pkg_config_name", "kvlsm")

        engine = self.cpp_info.components["engine"]
        engine.libs = ["kvlsm"]
        engine.requires = [f"abseil::{c}" for c in _ABSL_PUBLIC + _ABSL_PRIVATE] + ["zstd::zstdlib"]
        if self.settings.os in ("Linux", "FreeBSD"):
            engine.system_libs = ["pthread"]

        cluster = self.cpp_info.components["cluster"]
        cluster.set_property("cmake_target_name", "kvlsm::cluster")
        cluster.set_property("pkg_config_name", "kvlsm-cluster")
        cluster.libs = ["kvlsm_cluster"]
        cluster.requires = ["engine"] + [f"abseil::{c}" for c in _ABSL_CLUSTER_PRIVATE]

        # Deprecated: the module's name before it was renamed cluster, kept for one release
        # (as in the CMake package and kvlsm-dist.pc). It links nothing of its own.
        dist = self.cpp_info.components["dist"]
        dist.set_property("cmake_target_name", "kvlsm::dist")
        dist.set_property("pkg_config_name", "kvlsm-dist")
        dist.requires = ["cluster"]
