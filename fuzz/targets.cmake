# The fuzz targets: one per source file in fuzz/, the seed-corpus generator aside. Included
# by fuzz/CMakeLists.txt (the libFuzzer build) and by tests/fuzz/CMakeLists.txt (the
# corpus replay in the normal build).
file(GLOB KVLSM_FUZZ_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/*.cc)
list(FILTER KVLSM_FUZZ_SOURCES EXCLUDE REGEX "/make_seed_corpus\\.cc$")
# Targets named cluster_* exercise the distribution module and need kvlsm_cluster.
if(NOT TARGET kvlsm_cluster)
  list(FILTER KVLSM_FUZZ_SOURCES EXCLUDE REGEX "/cluster_[^/]*\\.cc$")
endif()

# The test plugins (a merge operator, small compaction policies: plain code shared with
# the tests), compiled once for every fuzz target.
if(NOT TARGET kvlsm_fuzz_plugins)
  add_library(kvlsm_fuzz_plugins OBJECT ${PROJECT_SOURCE_DIR}/tests/testutil/test_plugins.cc)
  target_include_directories(kvlsm_fuzz_plugins PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(kvlsm_fuzz_plugins PRIVATE kvlsm)
endif()

# Builds executable `target` from the fuzz target `source` (plus ARGN) with the include
# paths and libraries every target needs.
function(kvlsm_fuzz_executable target source)
  get_filename_component(name ${source} NAME_WE)
  add_executable(${target} ${source} $<TARGET_OBJECTS:kvlsm_fuzz_plugins> ${ARGN})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/src
                                               ${PROJECT_SOURCE_DIR}/tests ${XXHASH_INCLUDE_DIR})
  target_compile_options(${target} PRIVATE ${KVLSM_WARNINGS})
  target_link_libraries(${target} PRIVATE kvlsm absl::str_format)
  if(name MATCHES "^cluster_")
    target_link_libraries(${target} PRIVATE kvlsm_cluster)
  endif()
endfunction()
