# aton_add_plugin(<name> SOURCES <files...> [LIBRARIES <libs...>])
#
# Builds a plugin the way the host expects: a shared library named
# aton_<name>.so in the build tree's plugin folder, hidden visibility so that
# only aton_plugin_entry is exported, and no undefined symbols.
# Used in-tree and, from the installed package, by third-party plugins.
function(aton_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target aton_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE aton::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME aton_${name}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--exclude-libs,ALL)
  # GCC exports inline statics as STB_GNU_UNIQUE whatever the visibility;
  # without this a plugin would export more than its entry point.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-gnu-unique)
  endif()
  if(DEFINED ATON_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ATON_PLUGIN_OUTPUT_DIR})
    set_property(GLOBAL APPEND PROPERTY ATON_PLUGIN_TARGETS ${target})
  endif()
  if(DEFINED ATON_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${ATON_PLUGIN_INSTALL_DIR})
  endif()
endfunction()

# Adds every immediate subfolder of the current source folder that has a
# CMakeLists.txt: one folder per plugin.
macro(aton_add_plugin_folders)
  if(DEFINED ATON_BUILD_PLUGINS AND NOT ATON_BUILD_PLUGINS)
    return()
  endif()
  file(GLOB _aton_children LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/*)
  foreach(_child IN LISTS _aton_children)
    if(IS_DIRECTORY ${_child} AND EXISTS ${_child}/CMakeLists.txt)
      add_subdirectory(${_child})
    endif()
  endforeach()
endmacro()
