# `qimg encode` (issue 4), owned by the nn engineer. The CLI's CMakeLists includes this file
#   include(${CMAKE_CURRENT_SOURCE_DIR}/encode.cmake)
# and links qimg_cli_encode into the qimg executable; main.cc registers the command by calling
# RunEncodeCommand (cli/encode_command.h).
if(TARGET qimg_nn AND TARGET qimg_media AND NOT TARGET qimg_cli_encode)
  add_library(qimg_cli_encode ${CMAKE_SOURCE_DIR}/src/cli/encode_command.cc
    ${CMAKE_SOURCE_DIR}/src/cli/text_encode_command.cc)
  target_include_directories(qimg_cli_encode PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(qimg_cli_encode PUBLIC qimg_nn qimg_media qimg_base nlohmann_json::nlohmann_json)
endif()
