# The plugin code the fuzz targets run in-process (plugins are modules, not
# libraries to link): the csv reader and values, the json record reader and
# the json first pass.
# Included by tests/fuzz (the libFuzzer targets) and by tests/ (their
# regression replay in aton_tests).
if(NOT TARGET aton_fuzz_plugin_code)
  include(${PROJECT_SOURCE_DIR}/sources/common/input_code.cmake)
  add_library(aton_fuzz_plugin_code STATIC
    ${PROJECT_SOURCE_DIR}/sources/csv/csv_encoding.cpp
    ${PROJECT_SOURCE_DIR}/sources/csv/csv_reader.cpp
    ${PROJECT_SOURCE_DIR}/sources/csv/csv_values.cpp
    ${PROJECT_SOURCE_DIR}/sources/json/json_records.cpp
    ${PROJECT_SOURCE_DIR}/sources/json/json_outline.cpp
    ${PROJECT_SOURCE_DIR}/sources/json/input_stream.cpp
    ${ATON_INPUT_SOURCES})
  target_include_directories(aton_fuzz_plugin_code PUBLIC ${PROJECT_SOURCE_DIR}/sources)
  target_link_libraries(aton_fuzz_plugin_code PUBLIC aton_sdk aton_core ${ATON_INPUT_LIBRARIES})  # the json reader uses aton::JsonReader
endif()
