# Windows-only parts of the build, included by the top CMakeLists.txt when
# WIN32. It sets VG_WIN_RESOURCES, the resource objects linked into
# vssguard.exe: the Event Log message table of source VssGuard, compiled from
# packaging/windows/vssguard.mc by windmc (message resource and header) and
# windres (COFF object), and the version information. Release executables
# are stripped.

find_program(VG_WINDMC NAMES ${CMAKE_MC_COMPILER} x86_64-w64-mingw32-windmc
             windmc REQUIRED)
find_program(VG_WINDRES NAMES ${CMAKE_RC_COMPILER} x86_64-w64-mingw32-windres
             windres REQUIRED)

set(vg_mc ${PROJECT_SOURCE_DIR}/packaging/windows/vssguard.mc)
set(vg_res_dir ${PROJECT_BINARY_DIR}/resources)
file(MAKE_DIRECTORY ${vg_res_dir})

# windmc writes vssguard.rc, vssguard.h (the VG_MSG_* full ids) and
# MSG00409.bin, which the .rc includes; -U stores the texts in UTF-16 for
# ReportEventW. windmc exits 0 even on errors, so the outputs are checked.
add_custom_command(
  OUTPUT ${vg_res_dir}/vssguard.rc ${vg_res_dir}/vssguard.h
         ${vg_res_dir}/MSG00409.bin
  COMMAND ${CMAKE_COMMAND} -E rm -f ${vg_res_dir}/MSG00409.bin
  COMMAND ${VG_WINDMC} -U -r ${vg_res_dir} -h ${vg_res_dir} ${vg_mc}
  COMMAND ${CMAKE_COMMAND} -E md5sum ${vg_res_dir}/MSG00409.bin
  DEPENDS ${vg_mc}
  COMMENT "Compiling the Event Log message table"
  VERBATIM)

math(EXPR vg_ver_major "${PROJECT_VERSION_MAJOR}+0")
math(EXPR vg_ver_minor "${PROJECT_VERSION_MINOR}+0")
math(EXPR vg_ver_patch "${PROJECT_VERSION_PATCH}+0")
file(WRITE ${vg_res_dir}/vssguard_res.rc.in [=[
#include <winver.h>
#include "vssguard.rc"

VS_VERSION_INFO VERSIONINFO
FILEVERSION @vg_ver_major@,@vg_ver_minor@,@vg_ver_patch@,0
PRODUCTVERSION @vg_ver_major@,@vg_ver_minor@,@vg_ver_patch@,0
FILEOS VOS_NT_WINDOWS32
FILETYPE VFT_APP
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "VSS Session Guard"
      VALUE "FileDescription", "VSS Session Guard agent"
      VALUE "FileVersion", "@PROJECT_VERSION@"
      VALUE "InternalName", "vssguard"
      VALUE "OriginalFilename", "vssguard.exe"
      VALUE "ProductName", "VSS Session Guard"
      VALUE "ProductVersion", "@PROJECT_VERSION@"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
]=])
configure_file(${vg_res_dir}/vssguard_res.rc.in ${vg_res_dir}/vssguard_res.rc
               @ONLY)

add_custom_command(
  OUTPUT ${vg_res_dir}/vssguard_res.o
  COMMAND ${VG_WINDRES} --include-dir=${vg_res_dir} -O coff
          -i ${vg_res_dir}/vssguard_res.rc -o ${vg_res_dir}/vssguard_res.o
  DEPENDS ${vg_res_dir}/vssguard_res.rc ${vg_res_dir}/vssguard.rc
          ${vg_res_dir}/MSG00409.bin
  WORKING_DIRECTORY ${vg_res_dir}
  COMMENT "Compiling the Windows resources of vssguard.exe"
  VERBATIM)

set_source_files_properties(${vg_res_dir}/vssguard_res.o PROPERTIES
  EXTERNAL_OBJECT TRUE GENERATED TRUE)
set(VG_WIN_RESOURCES ${vg_res_dir}/vssguard_res.o)

# Release executables ship without a symbol table (about half the size).
add_link_options($<$<CONFIG:Release>:-s>)
