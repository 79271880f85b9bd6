# The engine's floors (cmake/floors.txt; docs/design.md, "Floors"). Each floor of src/ is an
# object library kvlsm_<floor> that publishes only its own headers: a directory of the
# build tree holding one link, <floor> -> src/<floor>. A floor links the floors that
# cmake/floors.txt lets it use, and so sees their headers and no others: an include that
# points up (or sideways) fails to compile. The library kvlsm is made of the engine floors'
# objects; the distribution module is a library of its own on top of kvlsm.

# Reads cmake/floors.txt into KVLSM_FLOORS (bottom up) and KVLSM_FLOOR_USES_<floor>.
function(kvlsm_read_floors)
  file(STRINGS ${PROJECT_SOURCE_DIR}/cmake/floors.txt lines REGEX "^[a-z_]+:")
  set(floors "")
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^([a-z_]+):(.*)$" _ "${line}")
    set(floor ${CMAKE_MATCH_1})
    string(STRIP "${CMAKE_MATCH_2}" uses)
    separate_arguments(uses UNIX_COMMAND "${uses}")
    foreach(used IN LISTS uses)
      if(NOT used IN_LIST floors)
        message(FATAL_ERROR "cmake/floors.txt: ${floor} uses ${used}, which is not a floor "
                            "listed above it")
      endif()
    endforeach()
    list(APPEND floors ${floor})
    set(KVLSM_FLOOR_USES_${floor} "${uses}" PARENT_SCOPE)
  endforeach()
  set(KVLSM_FLOORS "${floors}" PARENT_SCOPE)
endfunction()

# The directory that exposes `floor`'s headers, and nothing else, as "<floor>/x.h".
function(kvlsm_floor_headers_dir floor out)
  set(dir ${PROJECT_BINARY_DIR}/floor_headers/${floor})
  if(NOT EXISTS ${dir}/${floor})
    file(MAKE_DIRECTORY ${dir})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${floor} ${dir}/${floor} SYMBOLIC)
  endif()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()

# What every floor compiles with: the public headers, Abseil, zstd, xxHash, the warnings.
add_library(kvlsm_floor_settings INTERFACE)
target_compile_features(kvlsm_floor_settings INTERFACE cxx_std_20)
target_include_directories(kvlsm_floor_settings INTERFACE
  ${PROJECT_SOURCE_DIR}/include ${KVLSM_GENERATED_INCLUDE_DIR} ${XXHASH_INCLUDE_DIR})
target_link_libraries(kvlsm_floor_settings INTERFACE
  ${KVLSM_ABSL_PUBLIC_TARGETS} ${KVLSM_ABSL_PRIVATE_TARGETS} ${KVLSM_ZSTD_TARGET} Threads::Threads)
target_compile_options(kvlsm_floor_settings INTERFACE ${KVLSM_WARNINGS})

kvlsm_read_floors()
set(KVLSM_ENGINE_FLOORS ${KVLSM_FLOORS})
list(REMOVE_ITEM KVLSM_ENGINE_FLOORS cluster)
set(KVLSM_ENGINE_OBJECTS "")
foreach(floor IN LISTS KVLSM_ENGINE_FLOORS)
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${floor}/*.cc)
  kvlsm_floor_headers_dir(${floor} headers_dir)
  add_library(kvlsm_${floor} OBJECT ${sources})
  target_include_directories(kvlsm_${floor} PUBLIC ${headers_dir})
  set(used_targets ${KVLSM_FLOOR_USES_${floor}})
  list(TRANSFORM used_targets PREPEND kvlsm_)
  target_link_libraries(kvlsm_${floor} PRIVATE kvlsm_floor_settings ${used_targets})
  # Compiled as the shared library's own code when kvlsm is shared (see kvlsm/export.h).
  set_target_properties(kvlsm_${floor} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ${BUILD_SHARED_LIBS})
  if(BUILD_SHARED_LIBS)
    target_compile_definitions(kvlsm_${floor} PRIVATE kvlsm_EXPORTS)
  endif()
  list(APPEND KVLSM_ENGINE_OBJECTS $<TARGET_OBJECTS:kvlsm_${floor}>)
endforeach()
