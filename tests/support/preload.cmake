# Libraries the tests load into the real `aton` with LD_PRELOAD, to observe
# what it asks of the system (tests/edges/fsync.tests.cpp).
add_library(aton_test_fsync_counter MODULE ${CMAKE_CURRENT_LIST_DIR}/fsync_counter.c)
target_link_libraries(aton_test_fsync_counter PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(aton_test_fsync_counter PROPERTIES
  PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
# Sanitizers would need their runtime first; the counter needs none.
target_compile_options(aton_test_fsync_counter PRIVATE -fno-sanitize=all)
target_link_options(aton_test_fsync_counter PRIVATE -fno-sanitize=all)
add_dependencies(aton_tests aton_test_fsync_counter)
target_compile_definitions(aton_tests PRIVATE
  ATON_TEST_FSYNC_COUNTER="$<TARGET_FILE:aton_test_fsync_counter>")
