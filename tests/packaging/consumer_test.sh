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
#   KVLSM_PKG_WITH_CLUSTER 1 when the distribution module is built, else 0; then each
#                          consumer is built twice more through the module's deprecated
#                          names (kvlsm::dist, the component `dist`, kvlsm-dist.pc)
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
with_cluster=${KVLSM_PKG_WITH_CLUSTER:?}

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
# find_package_consumer <name> <option>...: configures and builds the CMake consumer in
# $work/<name>.
find_package_consumer() {
  local name=$1
  shift
  step configure-$name "$cmake" -S "$here/find_package_consumer" -B "$work/$name" \
    -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$cxxflags" \
    -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DCMAKE_BUILD_TYPE="$build_type" \
    -DKVLSM_EXPECTED_VERSION="$version" "$@"
  local found
  found=$(grep 'kvlsm_DIR: ' "$work/configure-$name.log")
  [[ $found == *"kvlsm_DIR: $prefix/"* ]] || fail "find_package(kvlsm) did not use $prefix: $found"
  step build-$name "$cmake" --build "$work/$name"
}
consumers=()
if [[ $with_cluster == 1 ]]; then
  find_package_consumer find_package -DKVLSM_CONSUMER_WITH_CLUSTER=ON
  # The deprecated names still work, and say they are deprecated.
  find_package_consumer find_package_dist -DKVLSM_CONSUMER_WITH_CLUSTER=ON \
    -DKVLSM_CONSUMER_DEPRECATED_DIST=ON
  for warning in 'COMPONENTS dist) is deprecated' 'kvlsm::dist is deprecated'; do
    grep -q "$warning" "$work/configure-find_package_dist.log" ||
      fail "configuring with the deprecated kvlsm::dist printed no '$warning'"
  done
  consumers+=("$work/find_package/consumer" "$work/find_package_dist/consumer")
else
  find_package_consumer find_package -DKVLSM_CONSUMER_WITH_CLUSTER=OFF
  consumers+=("$work/find_package/consumer")
fi

# The pkg-config consumer: a shared kvlsm links with the plain line, a static one with
# --static (its dependencies are in Requires.private).
# pkg_config_consumer <name> <build.sh argument>...: builds the pkg-config consumer in
# $work/<name>.
pkg_config_consumer() {
  local name=$1
  shift
  mkdir "$work/$name"
  step build-$name env -C "$work/$name" PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" \
    CXX="$cxx" CXXFLAGS="$cxxflags" LDFLAGS="$ldflags" \
    sh "$here/pkgconfig_consumer/build.sh" "$@"
  consumers+=("$work/$name/consumer")
}
build_flags=()
if [[ $mode == static ]]; then build_flags+=(--static); fi
if [[ $with_cluster == 1 ]]; then
  pkg_config_consumer pkg_config "${build_flags[@]}" --with-cluster
  pkg_config_consumer pkg_config_dist "${build_flags[@]}" --with-dist
else
  pkg_config_consumer pkg_config "${build_flags[@]}"
fi

for consumer in "${consumers[@]}"; do
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
