#!/usr/bin/env python3
"""Checks kvlsm's vcpkg port and Conan recipe against the CMake build they package.

    check_package_files.py <source-dir> <build-dir>

Neither vcpkg nor Conan runs in kvlsm's CI, so nothing else would notice these files going
stale. This test parses them (JSON; Python syntax) and checks that
  - every KVLSM_* option they set is an option() of CMakeLists.txt;
  - every kvlsm:: target and kvlsm pkg-config module they name is one the build exports
    (read from the build tree: kvlsmTargets.cmake, kvlsmConfig.cmake and the generated
    *.pc files), and every library they link is one the build produces;
  - their versions are the project()'s, and their dependencies and features are those the
    build needs: the Abseil components match CMakeLists.txt's lists, the root vcpkg.json's
    features are exactly those CMakeLists.txt adds to VCPKG_MANIFEST_FEATURES;
  - the tools the port copies are programs tools/CMakeLists.txt defines, once it exists.
Prints every problem found and exits 1 if there is any.
"""

import ast
import json
import pathlib
import re
import sys

PORT_DIR = pathlib.Path("packaging/vcpkg/ports/kvlsm")
RECIPE = pathlib.Path("packaging/conan/conanfile.py")
TEST_PACKAGE = pathlib.Path("packaging/conan/test_package")
# CMakeLists.txt's Abseil lists and the conanfile.py constants that must match them.
ABSL_LISTS = (("KVLSM_ABSL_PUBLIC", "_ABSL_PUBLIC"),
              ("KVLSM_ABSL_PRIVATE", "_ABSL_PRIVATE"),
              ("KVLSM_CLUSTER_ABSL_PRIVATE", "_ABSL_CLUSTER_PRIVATE"))


def called_name(call):
    """The name of the function a Call node calls: `f` for f(...) and x.f(...)."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


class Checker:
    def __init__(self, source, build):
        self.source = source
        self.build = build
        self.problems = []

    def expect(self, condition, message):
        if not condition:
            self.problems.append(message)

    def read(self, relative):
        return (self.source / relative).read_text(encoding="utf-8")

    def load_build(self):
        """What the build defines (CMakeLists.txt) and exports (the build tree)."""
        cmakelists = self.read("CMakeLists.txt")
        self.options = set(re.findall(r"^\s*option\(\s*([A-Z0-9_]+)", cmakelists, re.M))
        match = re.search(r"project\(kvlsm\s+VERSION\s+(\d+\.\d+\.\d+)", cmakelists)
        if match is None:
            raise SystemExit("CMakeLists.txt has no project(kvlsm VERSION x.y.z)")
        self.version = match.group(1)
        self.manifest_features = set(
            re.findall(r'list\(APPEND VCPKG_MANIFEST_FEATURES "([a-z-]+)"\)', cmakelists))
        self.absl = {}
        for cmake_name, _ in ABSL_LISTS:
            match = re.search(r"set\(%s ([a-z_ ]+)\)" % cmake_name, cmakelists)
            if match is None:
                raise SystemExit(f"CMakeLists.txt does not set {cmake_name}")
            self.absl[cmake_name] = match.group(1).split()

        targets_file = self.build / "kvlsmTargets.cmake"
        if not targets_file.exists():
            raise SystemExit(f"{targets_file} is missing: the build needs KVLSM_INSTALL=ON")
        targets = targets_file.read_text(encoding="utf-8")
        self.targets = set(re.findall(r"add_library\((kvlsm::\w+) \w+ IMPORTED\)", targets))
        # The package config adds imported targets of its own: the deprecated kvlsm::dist.
        config_file = self.build / "kvlsmConfig.cmake"
        if config_file.exists():
            self.targets |= set(re.findall(r"add_library\((kvlsm::\w+) \w+ IMPORTED\)",
                                           config_file.read_text(encoding="utf-8")))
        self.libraries = set()
        for location in re.findall(r'IMPORTED_LOCATION\w* "([^"]+)"', targets):
            library = re.match(r"lib(\w+)\.(a|so)", pathlib.Path(location).name)
            if library:
                self.libraries.add(library.group(1))
        self.pc_modules = {path.stem for path in self.build.glob("*.pc")}
        self.expect("kvlsm::kvlsm" in self.targets,
                    f"the build exports no kvlsm::kvlsm (it exports {sorted(self.targets)})")
        self.expect("kvlsm" in self.pc_modules,
                    f"the build generates no kvlsm.pc (only {sorted(self.pc_modules)})")

    def check_names(self, origin, text):
        """The options and targets named anywhere in `text` exist."""
        for option in sorted(set(re.findall(r"KVLSM_[A-Z0-9_]+", text))):
            self.expect(option in self.options,
                        f"{origin}: {option} is not an option() of CMakeLists.txt")
        for target in sorted(set(re.findall(r"\bkvlsm::\w+", text))):
            self.expect(target in self.targets, f"{origin}: the build exports no {target} "
                                                f"(it exports {sorted(self.targets)})")

    def load_json(self, relative):
        try:
            return json.loads(self.read(relative))
        except json.JSONDecodeError as error:
            self.expect(False, f"{relative}: not valid JSON: {error}")
            return None

    def parse_python(self, relative):
        path = self.source / relative
        try:
            source = path.read_text(encoding="utf-8")
            # compile() also rejects what the parser accepts and the compiler does not
            # (e.g. `return` outside a function); it writes nothing.
            compile(source, str(path), "exec")
            return ast.parse(source, str(path))
        except SyntaxError as error:
            self.expect(False, f"{relative}: {error}")
            return None

    def check_vcpkg(self):
        port = self.load_json(PORT_DIR / "vcpkg.json")
        root = self.load_json(pathlib.Path("vcpkg.json"))
        if port is None or root is None:
            return
        for origin, manifest in (("port vcpkg.json", port), ("root vcpkg.json", root)):
            self.expect(manifest.get("name") == "kvlsm", f"{origin}: the name is not kvlsm")
            self.expect(manifest.get("version") == self.version,
                        f"{origin}: version {manifest.get('version')} is not the project's "
                        f"{self.version}")

        def names(dependencies):
            return {d if isinstance(d, str) else d["name"] for d in dependencies
                    if isinstance(d, str) or not d.get("host")}

        port_deps = names(port.get("dependencies", []))
        root_deps = names(root.get("dependencies", []))
        for needed in ("abseil", "zstd", "xxhash"):
            self.expect(needed in port_deps, f"port vcpkg.json: no dependency on {needed}")
        self.expect(root_deps == port_deps, f"root vcpkg.json depends on {sorted(root_deps)}, "
                                            f"the port on {sorted(port_deps)}")
        root_features = set(root.get("features", {}))
        self.expect(root_features == self.manifest_features,
                    f"root vcpkg.json has the features {sorted(root_features)}; CMakeLists.txt "
                    f"turns on {sorted(self.manifest_features)}")

        portfile = self.read(PORT_DIR / "portfile.cmake")
        self.check_names("portfile.cmake", portfile)
        features = re.search(r"vcpkg_check_features\((.*?)\)", portfile, re.S)
        pairs = re.findall(r"^\s*([a-z-]+)\s+(KVLSM_\w+)\s*$", features.group(1), re.M) \
            if features else []
        self.expect(pairs, "portfile.cmake: vcpkg_check_features maps no feature to an option")
        for feature, _ in pairs:
            self.expect(feature in port.get("features", {}),
                        f"portfile.cmake: the feature {feature} is not in the port's vcpkg.json")
        for option in ("KVLSM_BUILD_TESTS", "KVLSM_BUILD_BENCHMARKS"):
            self.expect(f"-D{option}=OFF" in portfile,
                        f"portfile.cmake does not pass -D{option}=OFF")
        config_path = re.search(r"vcpkg_cmake_config_fixup\(CONFIG_PATH (\S+)\)", portfile)
        self.expect(config_path is not None and config_path.group(1) == "lib/cmake/kvlsm"
                    and "${CMAKE_INSTALL_LIBDIR}/cmake/kvlsm" in self.read("cmake/install.cmake"),
                    "portfile.cmake: the config fix-up path is not where cmake/install.cmake "
                    "installs the package")
        tools = re.search(r"vcpkg_copy_tools\(TOOL_NAMES ([\w\- ]+?)(?: AUTO_CLEAN)?\)", portfile)
        self.expect(tools is not None, "portfile.cmake: no vcpkg_copy_tools(TOOL_NAMES ...)")
        tools_cmake = self.source / "tools" / "CMakeLists.txt"
        if tools is not None and tools_cmake.exists():
            programs = set(re.findall(r"add_executable\(\s*([\w\-]+)", tools_cmake.read_text()))
            for tool in tools.group(1).split():
                self.expect(tool in programs, f"portfile.cmake copies {tool}, which "
                                              f"tools/CMakeLists.txt does not build")

        usage = self.read(PORT_DIR / "usage")
        self.check_names("usage", usage)
        for module in re.findall(r"^    (kvlsm[\w-]*)$", usage, re.M):
            self.expect(module in self.pc_modules, f"usage: the build generates no {module}.pc")

    def check_conan(self):
        self.parse_python(TEST_PACKAGE / "conanfile.py")
        self.check_names("test_package/CMakeLists.txt", self.read(TEST_PACKAGE / "CMakeLists.txt"))
        tree = self.parse_python(RECIPE)
        if tree is None:
            return
        self.check_names("conanfile.py", self.read(RECIPE))

        constants = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                try:
                    constants[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
        pattern = constants.get("_VERSION_PATTERN")
        match = re.search(pattern, self.read("CMakeLists.txt")) if pattern else None
        self.expect(match is not None and match.group(1) == self.version,
                    "conanfile.py: _VERSION_PATTERN does not find the project's version")
        for cmake_name, conan_name in ABSL_LISTS:
            want = ["absl_" + component for component in self.absl[cmake_name]]
            got = list(constants.get(conan_name, ()))
            self.expect(got == want, f"conanfile.py: {conan_name} is {got}; CMakeLists.txt's "
                                     f"{cmake_name} makes it {want}")

        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        for call in calls:
            args = [a.value for a in call.args if isinstance(a, ast.Constant)]
            if called_name(call) == "set_property" and args[:1] == ["pkg_config_name"]:
                self.expect(args[1] in self.pc_modules, f"conanfile.py: pkg_config_name "
                                                        f"{args[1]} is not a module of the build")
            if called_name(call) == "check_min_cppstd":
                self.expect(args == [20], f"conanfile.py: check_min_cppstd asks for {args}")
        self.expect(any(called_name(c) == "check_min_cppstd" for c in calls),
                    "conanfile.py: no check_min_cppstd")
        requires = {a.value.split("/")[0] for c in calls if called_name(c) == "requires"
                    for a in c.args if isinstance(a, ast.Constant)}
        for needed in ("abseil", "zstd", "xxhash"):
            self.expect(needed in requires, f"conanfile.py: no requirement on {needed}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            if any(isinstance(t, ast.Attribute) and t.attr == "libs" for t in node.targets):
                for library in ast.literal_eval(node.value):
                    self.expect(library in self.libraries,
                                f"conanfile.py: links {library}, which the build does not "
                                f"produce (it produces {sorted(self.libraries)})")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    checker = Checker(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
    checker.load_build()
    checker.check_vcpkg()
    checker.check_conan()
    for problem in checker.problems:
        print(f"FAILED: {problem}")
    if checker.problems:
        return 1
    options = sorted(o for o in checker.options if o.startswith("KVLSM_"))
    print(f"vcpkg port, root vcpkg.json and Conan recipe agree with the build: options "
          f"{options}, targets {sorted(checker.targets)}, pkg-config modules "
          f"{sorted(checker.pc_modules)}, libraries {sorted(checker.libraries)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
