# CMake toolchain for the Windows x64 build of VSS Session Guard with
# mingw-w64 on Debian. Libraries are looked up only in the static prefix that
# scripts/build-win-deps fills (VG_WIN_DEPS_PREFIX, default
# build/win-deps/prefix of the source tree), and test programs run under Wine
# through scripts/wine-run with a private Wine prefix in the build tree.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(VG_WIN_HOST x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${VG_WIN_HOST}-gcc)
set(CMAKE_CXX_COMPILER ${VG_WIN_HOST}-g++)
set(CMAKE_RC_COMPILER ${VG_WIN_HOST}-windres)
set(CMAKE_MC_COMPILER ${VG_WIN_HOST}-windmc)
set(CMAKE_AR ${VG_WIN_HOST}-ar CACHE FILEPATH "Archiver")
set(CMAKE_RANLIB ${VG_WIN_HOST}-ranlib CACHE FILEPATH "Ranlib")

get_filename_component(VG_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT VG_WIN_DEPS_PREFIX)
  if(DEFINED ENV{VG_WIN_DEPS_PREFIX})
    set(VG_WIN_DEPS_PREFIX "$ENV{VG_WIN_DEPS_PREFIX}")
  else()
    set(VG_WIN_DEPS_PREFIX "${VG_SOURCE_ROOT}/build/win-deps/prefix")
  endif()
endif()
set(VG_WIN_DEPS_PREFIX "${VG_WIN_DEPS_PREFIX}" CACHE PATH
    "Prefix holding the static Windows builds of libuv, libyaml, expat, cmocka")
# try_compile projects re-read this file: hand them the same prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VG_WIN_DEPS_PREFIX)

set(CMAKE_FIND_ROOT_PATH "${VG_WIN_DEPS_PREFIX}" /usr/${VG_WIN_HOST})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads only the prefix's .pc files, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} "${VG_WIN_DEPS_PREFIX}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Test programs run under Wine with a private prefix next to the build.
set(CMAKE_CROSSCOMPILING_EMULATOR
    "${VG_SOURCE_ROOT}/scripts/wine-run;--prefix;${CMAKE_BINARY_DIR}/wineprefix")
