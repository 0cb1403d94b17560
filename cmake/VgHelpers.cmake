# Test registration helpers, in the manner of nng's NNGHelpers: one test
# executable per module, registered with CTest with a timeout. Under a
# cross build, CMAKE_CROSSCOMPILING_EMULATOR (wine64) runs them.

# vg_add_unit_test(NAME SOURCE [TIMEOUT seconds])
function(vg_add_unit_test name source)
  cmake_parse_arguments(ARG "" "TIMEOUT" "" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${source})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/agent
                                             ${PROJECT_SOURCE_DIR}/policy
                                             ${PROJECT_SOURCE_DIR}/tests/unit)
  target_link_libraries(${name} PRIVATE vg_core vg::cmocka)
  target_compile_definitions(${name} PRIVATE
    VG_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")
  if(WIN32)
    target_link_options(${name} PRIVATE -static)
  endif()
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS unit)
endfunction()

# vg_add_script_test(NAME SCRIPT [LABEL l] [TIMEOUT seconds])
function(vg_add_script_test name script)
  cmake_parse_arguments(ARG "" "TIMEOUT;LABEL" "" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  if(NOT ARG_LABEL)
    set(ARG_LABEL integration)
  endif()
  add_test(NAME ${ARG_LABEL}.${name} COMMAND bash ${script})
  set_tests_properties(${ARG_LABEL}.${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    LABELS ${ARG_LABEL}
    ENVIRONMENT "VSSGUARD=$<TARGET_FILE:vssguard>;VG_SRC=${PROJECT_SOURCE_DIR};VG_BUILD=${PROJECT_BINARY_DIR}")
endfunction()
