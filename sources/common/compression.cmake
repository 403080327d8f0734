# The libraries behind sources/common/decompressor.cpp (gzip and zstd input):
# Debian's zlib1g-dev and libzstd-dev. Included by the plugins that read
# files and by the fuzz targets' copy of their code.
find_package(ZLIB REQUIRED)
find_package(zstd REQUIRED CONFIG)
set(ATON_DECOMPRESSION_SOURCES ${CMAKE_CURRENT_LIST_DIR}/input_file.cpp ${CMAKE_CURRENT_LIST_DIR}/decompressor.cpp)
set(ATON_DECOMPRESSION_LIBRARIES ZLIB::ZLIB zstd::libzstd_shared)
