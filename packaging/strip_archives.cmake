# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) on the staged files before the .deb
# is made. CPACK_STRIP_FILES strips the CLI and the plugins but not static
# archives: without this a RelWithDebInfo libaton.a is 16 MB of debug info.
file(GLOB_RECURSE archives "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
foreach(archive IN LISTS archives)
  execute_process(COMMAND "${CPACK_ATON_STRIP}" --strip-debug "${archive}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()
