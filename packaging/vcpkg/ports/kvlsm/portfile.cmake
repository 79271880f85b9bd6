# kvlsm's vcpkg port, kept in kvlsm's repository and used as an overlay port:
#
#   vcpkg install kvlsm[tools] --overlay-ports=<kvlsm>/packaging/vcpkg/ports
#
# It builds the kvlsm checkout it lives in, four directories up. vcpkg's binary cache keys
# on the port's files, not on that checkout, so rebuild after changing kvlsm with
# `vcpkg remove kvlsm` or --no-binarycaching. A copy of this port in a registry would fetch
# a release with vcpkg_from_github instead; nothing else changes.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    tools KVLSM_BUILD_TOOLS
)

# BUILD_SHARED_LIBS follows the triplet's VCPKG_LIBRARY_LINKAGE (vcpkg_cmake_configure).
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DKVLSM_BUILD_TESTS=OFF
    -DKVLSM_BUILD_BENCHMARKS=OFF
    -DKVLSM_BUILD_EXAMPLES=OFF
    -DKVLSM_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/kvlsm)
vcpkg_fixup_pkgconfig()

if("tools" IN_LIST FEATURES)
  vcpkg_copy_tools(TOOL_NAMES kvlsm-sstdump kvlsm-inspect AUTO_CLEAN)
endif()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
