# The core library, installed for C++ programs:
#   lib/libaton.a, include/aton/*.hpp (framework/core/include),
#   lib/cmake/Aton/ (find_package(Aton) -> aton::core), lib/pkgconfig/aton.pc.
#
# Static only. The core's API is C++ (templates, std:: types in every
# signature) with no ABI promise at 0.x, so a shared libaton would need a new
# soname at nearly every release and would tie programs to one compiler's
# library ABI; the CLI links it statically already. A program that links
# libaton.a carries the encoder it was built and tested with. (Plugins are
# the part with a stable binary boundary: the C ABI of plugin.h.)
set(ATON_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Aton)

install(TARGETS aton_core EXPORT AtonTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/core/include/aton
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
# The headers use C++20 (std::span, designated initialisers in the examples).
target_compile_features(aton_core PUBLIC cxx_std_20)
# It locks and counts with std::mutex and std::atomic (AtonConfig.cmake finds Threads).
target_link_libraries(aton_core PUBLIC Threads::Threads)
# A sanitizer build's libaton.a calls the sanitizers' runtime: a program
# linking it must link that runtime too (scripts/test --sanitize builds the
# README example against such an install).
set(ATON_PC_EXTRA_LIBS "")
if(ATON_SANITIZE)
  target_link_options(aton_core INTERFACE $<INSTALL_INTERFACE:-fsanitize=address,undefined>)
  set(ATON_PC_EXTRA_LIBS " -fsanitize=address,undefined")
endif()
install(EXPORT AtonTargets NAMESPACE aton:: DESTINATION ${ATON_CMAKE_DIR})

include(CMakePackageConfigHelpers)
configure_package_config_file(${CMAKE_CURRENT_SOURCE_DIR}/AtonConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/AtonConfig.cmake
  INSTALL_DESTINATION ${ATON_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a minor version may change the API, so find_package(Aton 0.1) takes
# only 0.1.*.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/AtonConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/AtonConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/AtonConfigVersion.cmake
        DESTINATION ${ATON_CMAKE_DIR})

# aton.pc finds its prefix from its own folder (${pcfiledir}), so an install
# moved or made with `cmake --install --prefix P` stays right.
file(RELATIVE_PATH ATON_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" ATON_PC_TO_PREFIX "${ATON_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/aton.pc.in ${CMAKE_CURRENT_BINARY_DIR}/aton.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/aton.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
