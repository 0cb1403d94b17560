/*
 * Test program for the message table: linked with the resources windmc and
 * windres make from packaging/windows/vssguard.mc, it formats each message id
 * given on the command line (full 32-bit ids, severity bits included) the way
 * Event Viewer does, with the insertion string "probe-<low 16 bits>", and
 * prints "<id in hex> <text>" per line, or "<id in hex> MISSING".
 * With "--module FILE" first, the messages come from FILE loaded as a data
 * file, as Event Viewer loads a source's EventMessageFile.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv) {
  HMODULE module = NULL;
  int first = 1;
  if (argc > 2 && wcscmp(argv[1], L"--module") == 0) {
    module = LoadLibraryExW(argv[2], NULL, LOAD_LIBRARY_AS_DATAFILE);
    if (module == NULL) {
      printf("cannot load %ls: error %lu\n", argv[2],
             (unsigned long)GetLastError());
      return 1;
    }
    first = 3;
  }
  for (int i = first; i < argc; i++) {
    DWORD id = (DWORD)wcstoul(argv[i], NULL, 0);
    wchar_t ins[32], buf[512];
    DWORD_PTR args[1];
    DWORD n;
    _snwprintf(ins, 32, L"probe-%lu", (unsigned long)(id & 0xFFFFu));
    ins[31] = L'\0';
    args[0] = (DWORD_PTR)ins;
    n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE |
                           FORMAT_MESSAGE_ARGUMENT_ARRAY,
                       module, id, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
                       buf, 512, (va_list *)args);
    while (n > 0 && (buf[n - 1] == L'\n' || buf[n - 1] == L'\r'))
      buf[--n] = L'\0';
    if (n == 0)
      printf("0x%08lx MISSING\n", (unsigned long)id);
    else
      printf("0x%08lx %ls\n", (unsigned long)id, buf);
  }
  return 0;
}
