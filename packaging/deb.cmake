# The Debian package: `cmake --build build --target package` (or
# `cpack --config build/CPackConfig.cmake`) writes build/package/aton_<version>_<arch>.deb
# holding everything `cmake --install` installs, under /usr: the CLI, the
# plugins, libaton.a and its headers, the SDK, the CMake and pkg-config
# files, the tokenizer's rank files (when scripts/tokenizer/setup made
# them), the man page and bash completion. scripts/package-test installs
# it with dpkg and runs the demo pipeline with it.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME aton)
set(CPACK_PACKAGE_VENDOR aton)
set(CPACK_PACKAGE_CONTACT "aton developers <aton@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "streams JSON, CSV and SQL record sets into ATON text")
# The synopsis is the summary above; CPack indents these lines and writes
# the blank one as " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "ATON is a token-efficient text format for records in LLM prompts. The aton
command encodes JSON documents, decodes ATON back to JSON, and runs pipelines:
a source plugin (json, csv, sql) feeds the streaming encoder, whose chunks go
to sink plugins (file, stdout, http, nats), in bounded memory.

Also holds libaton (static) with its C++20 headers, CMake package (Aton) and
pkg-config file (aton), and the plugin SDK (CMake package AtonSDK).")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the build may carry debug info (RelWithDebInfo)
set(CPACK_ATON_STRIP ${CMAKE_STRIP})
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/strip_archives.cmake)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the libraries the CLI and plugins link (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The SDK's plugin.hpp parses configs with RapidJSON; building against the
# library or SDK needs a compiler and, to find them, CMake or pkg-config.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "rapidjson-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion, cmake, pkg-config, g++")
include(CPack)
