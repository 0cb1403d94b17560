# Windows-only parts of the build, included by the top CMakeLists.txt when
# WIN32: resources linked into vssguard.exe (VG_WIN_RESOURCES) such as the
# Event Log message table compiled from packaging/windows/vssguard.mc.

set(VG_WIN_RESOURCES "")
