# The code every file-reading source shares (sources/common: the input file,
# gzip and zstd input, lists of files) and the libraries behind it: Debian's
# zlib1g-dev and libzstd-dev. Included by the plugins that read files and by
# the fuzz targets' copy of their code.
find_package(ZLIB REQUIRED)
find_package(zstd REQUIRED CONFIG)
set(ATON_INPUT_SOURCES ${CMAKE_CURRENT_LIST_DIR}/input_file.cpp ${CMAKE_CURRENT_LIST_DIR}/decompressor.cpp
    ${CMAKE_CURRENT_LIST_DIR}/input_list.cpp)
set(ATON_INPUT_LIBRARIES ZLIB::ZLIB zstd::libzstd_shared)
