# Finds libuv, libyaml, expat, cmocka (and libcurl on Linux) and exposes them
# as vg::uv, vg::yaml, vg::expat, vg::cmocka, vg::curl. Natively they come
# from Debian's -dev
# packages through pkg-config; for Windows, from the static prefix that
# scripts/build-win-deps fills (VG_WIN_DEPS_PREFIX, set by the toolchain file).

find_package(PkgConfig REQUIRED)

function(vg_dep target)
  set(mods ${ARGN})
  if(WIN32)
    pkg_check_modules(${target}_PC REQUIRED IMPORTED_TARGET GLOBAL ${mods})
    # Static linking: use the .pc "Libs.private" too.
    add_library(vg::${target} INTERFACE IMPORTED GLOBAL)
    target_include_directories(vg::${target} INTERFACE ${${target}_PC_STATIC_INCLUDE_DIRS})
    target_link_directories(vg::${target} INTERFACE ${${target}_PC_STATIC_LIBRARY_DIRS})
    target_link_libraries(vg::${target} INTERFACE ${${target}_PC_STATIC_LIBRARIES})
    target_compile_options(vg::${target} INTERFACE ${${target}_PC_STATIC_CFLAGS_OTHER})
  else()
    pkg_check_modules(${target}_PC REQUIRED IMPORTED_TARGET GLOBAL ${mods})
    add_library(vg::${target} ALIAS PkgConfig::${target}_PC)
  endif()
endfunction()

vg_dep(uv libuv)
vg_dep(yaml yaml-0.1)
vg_dep(expat expat)
# HTTP (FleetLock, Alertmanager): libcurl on Linux; Windows uses WinHTTP,
# a system DLL linked in CMakeLists.txt.
if(NOT WIN32)
  vg_dep(curl libcurl)
endif()
if(VG_TESTS)
  vg_dep(cmocka cmocka)
endif()
