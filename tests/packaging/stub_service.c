/*
 * A stand-in service for the MSI test under Wine while the real vssguard.exe
 * is not built: it runs as the VssGuard service when started with the
 * arguments the MSI gives ("service run"), reports RUNNING, and stops on
 * SERVICE_CONTROL_STOP. It exercises only the installer's service handling
 * and is never packaged for release.
 */
#include <windows.h>

#include <wchar.h>

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static void report(DWORD state) {
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
  status.dwWin32ExitCode = NO_ERROR;
  SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI handler(DWORD control, DWORD type, LPVOID data,
                            LPVOID context) {
  (void)type;
  (void)data;
  (void)context;
  if (control == SERVICE_CONTROL_STOP) {
    report(SERVICE_STOP_PENDING);
    SetEvent(stop_event);
  }
  return NO_ERROR;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  status_handle = RegisterServiceCtrlHandlerExW(L"VssGuard", handler, NULL);
  if (status_handle == NULL)
    return;
  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  report(SERVICE_RUNNING);
  WaitForSingleObject(stop_event, INFINITE);
  report(SERVICE_STOPPED);
}

int wmain(int argc, wchar_t **argv) {
  SERVICE_TABLE_ENTRYW table[] = {{L"VssGuard", service_main}, {NULL, NULL}};
  if (argc != 3 || wcscmp(argv[1], L"service") != 0 ||
      wcscmp(argv[2], L"run") != 0)
    return 64;
  return StartServiceCtrlDispatcherW(table) ? 0 : 1;
}
