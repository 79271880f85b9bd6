#!/bin/sh
# An outside project using an installed kvlsm through pkg-config, built the way a user's
# build script would: compiles ../consumer.cc into ./consumer in the current directory.
#
#   PKG_CONFIG_PATH=<prefix>/lib/pkgconfig build.sh [--static] [--with-cluster | --with-dist]
#
# --static is how a static kvlsm is linked: its dependencies are in the modules'
# Requires.private, which pkg-config reads only then. --with-cluster also uses kvlsm-cluster;
# --with-dist uses it through its deprecated name kvlsm-dist (which requires kvlsm-cluster).
# CXX, CXXFLAGS and LDFLAGS are honoured.
set -eu

here=$(dirname "$0")
static=
modules=kvlsm
defines=
for arg in "$@"; do
  case $arg in
    --static) static=--static ;;
    --with-cluster)
      modules="kvlsm kvlsm-cluster"
      defines=-DKVLSM_CONSUMER_WITH_CLUSTER
      ;;
    --with-dist)
      modules="kvlsm kvlsm-dist"
      defines=-DKVLSM_CONSUMER_WITH_CLUSTER
      ;;
    *)
      echo "build.sh: unknown argument '$arg'" >&2
      exit 2
      ;;
  esac
done

cflags=$(pkg-config --cflags $modules)
libs=$(pkg-config $static --libs $modules)
# A shared kvlsm outside the loader's default paths is found through the rpath.
libdir=$(pkg-config --variable=libdir kvlsm)

# kvlsm's headers need C++20, which pkg-config has no way to say.
set -x
${CXX:-c++} -std=c++20 $defines ${CXXFLAGS:-} $cflags -o consumer "$here/../consumer.cc" \
  ${LDFLAGS:-} -Wl,-rpath,"$libdir" $libs
