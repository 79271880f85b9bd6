# Install rules, included from CMakeLists.txt when KVLSM_INSTALL is ON: the libraries and
# their headers, the tools, the CMake package `kvlsm` (targets kvlsm::kvlsm and
# kvlsm::cluster) and the pkg-config modules `kvlsm` and `kvlsm-cluster`; and, deprecated
# for one release, the module's old names (kvlsm::dist, kvlsm-dist.pc).
include(CMakePackageConfigHelpers)

set(KVLSM_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kvlsm)
set(KVLSM_LIBRARY_TARGETS kvlsm)
if(TARGET kvlsm_cluster)
  list(APPEND KVLSM_LIBRARY_TARGETS kvlsm_cluster)
endif()

install(TARGETS ${KVLSM_LIBRARY_TARGETS} EXPORT kvlsmTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Public headers: the hand-written ones (the distribution module's only with its library)
# and the generated kvlsm/version.h and kvlsm/export.h.
if(TARGET kvlsm_cluster)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kvlsm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h")
else()
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kvlsm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h" PATTERN "cluster" EXCLUDE)
endif()
install(DIRECTORY ${KVLSM_GENERATED_INCLUDE_DIR}/kvlsm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

# Every program tools/CMakeLists.txt defines is installed; the vcpkg port's `tools` feature
# copies them by name (packaging/vcpkg/ports/kvlsm/portfile.cmake).
if(KVLSM_BUILD_TOOLS AND EXISTS ${PROJECT_SOURCE_DIR}/tools/CMakeLists.txt)
  get_property(kvlsm_tool_targets DIRECTORY ${PROJECT_SOURCE_DIR}/tools
               PROPERTY BUILDSYSTEM_TARGETS)
  file(RELATIVE_PATH kvlsm_bin_to_lib /${CMAKE_INSTALL_BINDIR} /${CMAKE_INSTALL_LIBDIR})
  foreach(tool IN LISTS kvlsm_tool_targets)
    get_target_property(tool_type ${tool} TYPE)
    if(tool_type STREQUAL "EXECUTABLE")
      # Installed tools find a shared kvlsm next to them wherever the prefix is moved.
      set_target_properties(${tool} PROPERTIES INSTALL_RPATH "$ORIGIN/${kvlsm_bin_to_lib}")
      install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    endif()
  endforeach()
endif()

# The CMake package. A static kvlsm brings what it links privately (zstd, threads) into the
# consumer's link, so its config finds those too; a shared one needs only Abseil, whose
# types are in kvlsm's headers.
get_target_property(kvlsm_type kvlsm TYPE)
if(kvlsm_type STREQUAL "STATIC_LIBRARY")
  set(KVLSM_STATIC_LIBRARY TRUE)
else()
  set(KVLSM_STATIC_LIBRARY FALSE)
endif()
install(EXPORT kvlsmTargets NAMESPACE kvlsm:: DESTINATION ${KVLSM_CMAKE_INSTALL_DIR})
# The same targets, imported from the build tree: the packaging drift test reads this file
# to learn which names the build exports.
export(EXPORT kvlsmTargets NAMESPACE kvlsm:: FILE ${PROJECT_BINARY_DIR}/kvlsmTargets.cmake)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kvlsmConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/kvlsmConfig.cmake
                              INSTALL_DESTINATION ${KVLSM_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kvlsmConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kvlsmConfig.cmake ${PROJECT_BINARY_DIR}/kvlsmConfigVersion.cmake
        DESTINATION ${KVLSM_CMAKE_INSTALL_DIR})

# pkg-config modules. The prefix is computed from the .pc file's own location, so an
# installed tree can be moved (and `cmake --install --prefix` honoured) without editing it.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(KVLSM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(KVLSM_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(KVLSM_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH kvlsm_pc_up /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
  string(REGEX REPLACE "/$" "" kvlsm_pc_up "${kvlsm_pc_up}")
  set(KVLSM_PC_PREFIX "\${pcfiledir}/${kvlsm_pc_up}")
  set(KVLSM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(KVLSM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

# Writes <module>.pc for `library`. Requires.private and Libs.private are what a static
# link adds (`pkg-config --static`): what the library links privately.
function(kvlsm_pkg_config module library description requires requires_private)
  set(PC_NAME ${module})
  set(PC_DESCRIPTION ${description})
  set(PC_LIBRARY ${library})
  list(JOIN requires " " PC_REQUIRES)
  list(JOIN requires_private " " PC_REQUIRES_PRIVATE)
  set(PC_LIBS_PRIVATE "${CMAKE_THREAD_LIBS_INIT}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/pkgconfig.pc.in ${PROJECT_BINARY_DIR}/${module}.pc
                 @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${module}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

list(TRANSFORM KVLSM_ABSL_PUBLIC PREPEND absl_ OUTPUT_VARIABLE kvlsm_pc_public)
list(TRANSFORM KVLSM_ABSL_PRIVATE PREPEND absl_ OUTPUT_VARIABLE kvlsm_pc_private)
kvlsm_pkg_config(kvlsm kvlsm "${PROJECT_DESCRIPTION}" "${kvlsm_pc_public}"
                 "libzstd;${kvlsm_pc_private}")
if(TARGET kvlsm_cluster)
  list(TRANSFORM KVLSM_CLUSTER_ABSL_PRIVATE PREPEND absl_ OUTPUT_VARIABLE kvlsm_pc_cluster_private)
  kvlsm_pkg_config(kvlsm-cluster kvlsm_cluster
                   "kvlsm's distribution module: ring, versions, replication"
                   "kvlsm" "${kvlsm_pc_cluster_private}")
  # Deprecated: the module's pkg-config name until 0.1, kept for one release. It links
  # nothing of its own; it only requires kvlsm-cluster.
  file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/kvlsm-dist.pc @ONLY CONTENT [[
Name: kvlsm-dist
Description: Deprecated name of kvlsm-cluster (kvlsm's distribution module); use kvlsm-cluster
Version: @PROJECT_VERSION@
Requires: kvlsm-cluster
]])
  install(FILES ${PROJECT_BINARY_DIR}/kvlsm-dist.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
