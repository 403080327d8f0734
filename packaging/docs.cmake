# The man page (share/man/man1/aton.1) and bash completion
# (share/bash-completion/completions/aton), made at build time from the
# built `aton --help` and `aton COMMAND --help` by help_docs.py, so they
# follow the CLI. Plugin names are completed by asking `aton plugins`.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(ATON_MAN_PAGE ${PROJECT_BINARY_DIR}/share/man/man1/aton.1)
set(ATON_COMPLETION ${PROJECT_BINARY_DIR}/share/bash-completion/completions/aton)
add_custom_command(
  OUTPUT ${ATON_MAN_PAGE} ${ATON_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/share/man/man1
          ${PROJECT_BINARY_DIR}/share/bash-completion/completions
  # A sanitizer build's aton runs here too; --help leaks nothing worth failing the build for.
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
          ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/help_docs.py $<TARGET_FILE:aton>
          ${CMAKE_CURRENT_SOURCE_DIR}/aton.bash.in ${ATON_MAN_PAGE} ${ATON_COMPLETION}
  DEPENDS aton ${CMAKE_CURRENT_SOURCE_DIR}/help_docs.py ${CMAKE_CURRENT_SOURCE_DIR}/aton.bash.in
  COMMENT "Writing the man page and bash completion from aton --help"
  VERBATIM)
add_custom_target(aton_help_docs ALL DEPENDS ${ATON_MAN_PAGE} ${ATON_COMPLETION})
install(FILES ${ATON_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${ATON_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
