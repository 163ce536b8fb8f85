# `qimg search` end-to-end tests (issue 3), included by tests/e2e/CMakeLists.txt.
qimg_e2e_test(e2e_search_test search_test.cc search_schema.cc)
if(TARGET e2e_search_test)
  target_compile_definitions(e2e_search_test PRIVATE
    QIMG_RESULT_SCHEMA="${CMAKE_SOURCE_DIR}/docs/result.schema.json")
  target_link_libraries(e2e_search_test PRIVATE qimg_search)
endif()
