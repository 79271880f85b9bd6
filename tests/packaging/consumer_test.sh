#!/usr/bin/env bash
# Packaging test: installs kvlsm into a temporary prefix and builds two outside projects
# against it, find_package_consumer/ (CMake) and pkgconfig_consumer/ (a build script using
# pkg-config); each opens a DB, writes, reads and prints kvlsm::Version() (consumer.cc).
#
#   consumer_test.sh static <build-dir>    installs the (static) library of an existing build
#   consumer_test.sh shared <source-dir>   builds a shared kvlsm from source and installs it
#
# Registered by tests/CMakeLists.txt, which passes the enclosing build's settings in the
# environment:
#   KVLSM_PKG_CMAKE        the cmake to run
#   KVLSM_PKG_CXX          the C++ compiler
#   KVLSM_PKG_CXXFLAGS     CMAKE_CXX_FLAGS of the build (sanitizer flags must reach the
#   KVLSM_PKG_LDFLAGS      consumers of a sanitized static library); CMAKE_EXE_LINKER_FLAGS
#   KVLSM_PKG_BUILD_TYPE   CMAKE_BUILD_TYPE
#   KVLSM_PKG_LIBDIR       CMAKE_INSTALL_LIBDIR of the build (static mode)
#   KVLSM_PKG_VERSION      the version the installed package must report
#   KVLSM_PKG_WITH_DIST    1 when the distribution module is built, else 0
# The shared library is built with the compiler alone, without the build's flags, as a
# distribution builds it (build type None: no optimization flags; Debian passes its own).
# -O0 also keeps every call to the library out of line, so nothing a consumer needs can
# hide behind inlining.
set -euo pipefail

mode=${1:?usage: consumer_test.sh static <build-dir> | shared <source-dir>}
tree=${2:?usage: consumer_test.sh static <build-dir> | shared <source-dir>}
here=$(cd "$(dirname "$0")" && pwd)
cmake=${KVLSM_PKG_CMAKE:?}
cxx=${KVLSM_PKG_CXX:?}
version=${KVLSM_PKG_VERSION:?}
with_dist=${KVLSM_PKG_WITH_DIST:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/kvlsm-packaging-$mode.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

# Runs a command with its output in a log, printing the log only when it fails; reports
# how long it took.
step() {
  local name=$1
  shift
  local log=$work/$name.log start=$SECONDS
  if ! "$@" >"$log" 2>&1; then
    echo "FAILED: $name: $*" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "$name: $((SECONDS - start)) s"
}

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

case "$mode" in
  static)
    cxxflags=${KVLSM_PKG_CXXFLAGS-}
    ldflags=${KVLSM_PKG_LDFLAGS-}
    build_type=${KVLSM_PKG_BUILD_TYPE:-RelWithDebInfo}
    libdir=${KVLSM_PKG_LIBDIR:?}
    step install "$cmake" --install "$tree" --prefix "$prefix"
    [[ -f $prefix/$libdir/libkvlsm.a ]] || fail "no $libdir/libkvlsm.a in the install"
    ;;
  shared)
    cxxflags=
    ldflags=
    build_type=None
    libdir=lib
    step configure-library "$cmake" -S "$tree" -B "$work/library" -G Ninja \
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=$build_type -DBUILD_SHARED_LIBS=ON \
      -DKVLSM_BUILD_TESTS=OFF -DKVLSM_BUILD_EXAMPLES=OFF -DKVLSM_BUILD_BENCHMARKS=OFF \
      -DKVLSM_BUILD_TOOLS=OFF -DKVLSM_INSTALL=ON \
      -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=$libdir
    step build-library "$cmake" --build "$work/library" -j 2
    step install "$cmake" --install "$work/library"
    so=$prefix/$libdir/libkvlsm.so
    [[ -e $so ]] || fail "no $libdir/libkvlsm.so in the install"
    [[ ! -e $prefix/$libdir/libkvlsm.a ]] || fail "a shared build installed libkvlsm.a"
    # Hidden visibility: the public API is exported, the internals are not.
    exported=$(nm -D -C --defined-only "$so")
    grep -q 'kvlsm::DB::Open' <<<"$exported" || fail "libkvlsm.so does not export kvlsm::DB::Open"
    grep -q 'kvlsm::Version' <<<"$exported" || fail "libkvlsm.so does not export kvlsm::Version"
    if grep -q 'kvlsm::PutVarint32' <<<"$exported"; then
      fail "libkvlsm.so exports the internal kvlsm::PutVarint32: visibility is not hidden"
    fi
    ;;
  *)
    fail "unknown mode '$mode' (static or shared)"
    ;;
esac
[[ -f $prefix/$libdir/cmake/kvlsm/kvlsmConfig.cmake ]] || fail "no kvlsmConfig.cmake in the install"
[[ -f $prefix/$libdir/pkgconfig/kvlsm.pc ]] || fail "no kvlsm.pc in the install"
[[ -f $prefix/include/kvlsm/version.h && -f $prefix/include/kvlsm/export.h ]] ||
  fail "the generated headers kvlsm/version.h and kvlsm/export.h are not installed"

# The CMake consumer. The package must come from this prefix and nowhere else.
dist_option=OFF
if [[ $with_dist == 1 ]]; then dist_option=ON; fi
step configure-find-package "$cmake" -S "$here/find_package_consumer" -B "$work/find_package" \
  -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
  -DCMAKE_BUILD_TYPE="$build_type" -DKVLSM_EXPECTED_VERSION="$version" \
  -DKVLSM_CONSUMER_WITH_DIST=$dist_option
found=$(grep 'kvlsm_DIR: ' "$work/configure-find-package.log")
[[ $found == *"kvlsm_DIR: $prefix/"* ]] || fail "find_package(kvlsm) did not use $prefix: $found"
step build-find-package "$cmake" --build "$work/find_package"

# The pkg-config consumer: a shared kvlsm links with the plain line, a static one with
# --static (its dependencies are in Requires.private).
build_flags=()
if [[ $mode == static ]]; then build_flags+=(--static); fi
if [[ $with_dist == 1 ]]; then build_flags+=(--with-dist); fi
mkdir "$work/pkg_config"
step build-pkg-config env -C "$work/pkg_config" PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" \
  CXX="$cxx" CXXFLAGS="$cxxflags" LDFLAGS="$ldflags" \
  sh "$here/pkgconfig_consumer/build.sh" "${build_flags[@]}"

for consumer in "$work/find_package/consumer" "$work/pkg_config/consumer"; do
  # Each program must use the library of this install: linked in when static, loaded
  # from the prefix when shared.
  libraries=$(ldd "$consumer")
  if [[ $mode == static ]]; then
    if grep -q 'libkvlsm' <<<"$libraries"; then fail "$consumer loads a shared libkvlsm"; fi
  else
    loaded=$(awk '$1 ~ /^libkvlsm\.so/ { print $3 }' <<<"$libraries")
    [[ -n $loaded && $(realpath "$loaded") == $(realpath "$so") ]] ||
      fail "$consumer does not load $so: $libraries"
  fi
  output=$("$consumer") || fail "$consumer exited with $?"
  echo "$output"
  [[ $output == "kvlsm $version: put and get ok" ]] || fail "$consumer printed '$output'"
done
echo "kvlsm $version ($mode): find_package and pkg-config consumers pass"
