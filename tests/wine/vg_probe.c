/*
 * A test helper for the Wine tests: does, inside Wine, what a shell cannot
 * do precisely enough.
 *
 *   vg_probe gpo STEP...      changes HKLM\SOFTWARE\Policies\VssGuard with
 *                             millisecond gaps, the way Group Policy does;
 *                             each STEP is set:NAME=DWORD, del:NAME or
 *                             sleep:MS.
 *   vg_probe qfailure NAME    prints the recovery settings of service NAME
 *                             from QueryServiceConfig2W: one line
 *                             "actions N reset S" then "action TYPE DELAY"
 *                             per action, then "flag F" (or the error).
 *   vg_probe status NAME      prints "state S win32 W specific X" from
 *                             QueryServiceStatus.
 *   vg_probe sleep MS         runs for MS milliseconds (a process for the
 *                             processes gate to find, under its own name).
 *   vg_probe paramchange NAME sends SERVICE_CONTROL_PARAMCHANGE (what
 *                             "sc control NAME paramchange" does).
 *   vg_probe unelevated CMD   runs the command line CMD with the token of
 *                             an unelevated console: Administrators only
 *                             for deny; exits with CMD's exit code.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gpo(int argc, char **argv) {
  HKEY key;
  LONG rc = RegCreateKeyExA(HKEY_LOCAL_MACHINE, "SOFTWARE\\Policies\\VssGuard",
                            0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);
  if (rc != ERROR_SUCCESS) {
    fprintf(stderr, "vg_probe: cannot open the policy key: error %ld\n", rc);
    return 1;
  }
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (strncmp(s, "set:", 4) == 0 && strchr(s, '=') != NULL) {
      char name[128];
      const char *eq = strchr(s, '=');
      DWORD v = (DWORD)strtoul(eq + 1, NULL, 10);
      snprintf(name, sizeof(name), "%.*s", (int)(eq - s - 4), s + 4);
      rc = RegSetValueExA(key, name, 0, REG_DWORD, (const BYTE *)&v, sizeof(v));
    } else if (strncmp(s, "del:", 4) == 0) {
      rc = RegDeleteValueA(key, s + 4);
      if (rc == ERROR_FILE_NOT_FOUND)
        rc = ERROR_SUCCESS;
    } else if (strncmp(s, "sleep:", 6) == 0) {
      Sleep((DWORD)strtoul(s + 6, NULL, 10));
      rc = ERROR_SUCCESS;
    } else {
      fprintf(stderr, "vg_probe: bad step '%s'\n", s);
      rc = ERROR_INVALID_PARAMETER;
    }
    if (rc != ERROR_SUCCESS) {
      fprintf(stderr, "vg_probe: step '%s' failed: error %ld\n", s, rc);
      RegCloseKey(key);
      return 1;
    }
  }
  RegCloseKey(key);
  return 0;
}

static int qfailure(const char *name) {
  wchar_t wname[256];
  SC_HANDLE scm, svc;
  BYTE buf[8192];
  DWORD need = 0;
  int rc = 0;

  MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 256);
  scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  svc = scm ? OpenServiceW(scm, wname, SERVICE_QUERY_CONFIG) : NULL;
  if (svc == NULL) {
    printf("open error %lu\n", (unsigned long)GetLastError());
    return 1;
  }
  if (QueryServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, buf,
                           sizeof(buf), &need)) {
    SERVICE_FAILURE_ACTIONSW *fa = (SERVICE_FAILURE_ACTIONSW *)buf;
    printf("actions %lu reset %lu\n", (unsigned long)fa->cActions,
           (unsigned long)fa->dwResetPeriod);
    for (DWORD i = 0; i < fa->cActions; i++)
      printf("action %d %lu\n", (int)fa->lpsaActions[i].Type,
             (unsigned long)fa->lpsaActions[i].Delay);
  } else {
    printf("actions error %lu\n", (unsigned long)GetLastError());
    rc = 1;
  }
  if (QueryServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, buf,
                           sizeof(buf), &need)) {
    SERVICE_FAILURE_ACTIONS_FLAG *f = (SERVICE_FAILURE_ACTIONS_FLAG *)buf;
    printf("flag %d\n", (int)f->fFailureActionsOnNonCrashFailures);
  } else {
    printf("flag error %lu\n", (unsigned long)GetLastError());
    rc = 1;
  }
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

static int status(const char *name) {
  wchar_t wname[256];
  SC_HANDLE scm, svc;
  SERVICE_STATUS st;

  MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 256);
  scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  svc = scm ? OpenServiceW(scm, wname, SERVICE_QUERY_STATUS) : NULL;
  if (svc == NULL || !QueryServiceStatus(svc, &st)) {
    printf("status error %lu\n", (unsigned long)GetLastError());
    return 1;
  }
  printf("state %lu win32 %lu specific %lu\n", (unsigned long)st.dwCurrentState,
         (unsigned long)st.dwWin32ExitCode,
         (unsigned long)st.dwServiceSpecificExitCode);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return 0;
}

/* Sends SERVICE_CONTROL_PARAMCHANGE to service NAME (Wine's sc has no
 * "control" command). */
static int paramchange(const char *name) {
  wchar_t wname[256];
  SC_HANDLE scm, svc;
  SERVICE_STATUS st;

  MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 256);
  scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  svc = scm ? OpenServiceW(scm, wname, SERVICE_PAUSE_CONTINUE) : NULL;
  if (svc == NULL || !ControlService(svc, SERVICE_CONTROL_PARAMCHANGE, &st)) {
    printf("paramchange error %lu\n", (unsigned long)GetLastError());
    return 1;
  }
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return 0;
}

/* Runs cmdline with this process's token minus Administrators (a group
 * left for deny only, as UAC gives an administrator's unelevated console),
 * sharing the standard handles; returns its exit code. */
static int unelevated(const char *cmdline) {
  SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
  SID_AND_ATTRIBUTES disable;
  HANDLE token, limited;
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  wchar_t wcmd[4096];
  DWORD code = 1;

  memset(&disable, 0, sizeof(disable));
  if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                &disable.Sid) ||
      !OpenProcessToken(GetCurrentProcess(), TOKEN_ALL_ACCESS, &token) ||
      !CreateRestrictedToken(token, 0, 1, &disable, 0, NULL, 0, NULL,
                             &limited)) {
    printf("unelevated error %lu\n", (unsigned long)GetLastError());
    return 1;
  }
  MultiByteToWideChar(CP_UTF8, 0, cmdline, -1, wcmd, 4096);
  memset(&si, 0, sizeof(si));
  si.cb = sizeof(si);
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  if (!CreateProcessAsUserW(limited, NULL, wcmd, NULL, NULL, TRUE, 0, NULL,
                            NULL, &si, &pi)) {
    printf("unelevated error %lu\n", (unsigned long)GetLastError());
    return 1;
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  CloseHandle(limited);
  CloseHandle(token);
  FreeSid(disable.Sid);
  return (int)code;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "gpo") == 0)
    return gpo(argc - 2, argv + 2);
  if (argc == 3 && strcmp(argv[1], "qfailure") == 0)
    return qfailure(argv[2]);
  if (argc == 3 && strcmp(argv[1], "status") == 0)
    return status(argv[2]);
  if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
    Sleep((DWORD)strtoul(argv[2], NULL, 10));
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "paramchange") == 0)
    return paramchange(argv[2]);
  if (argc == 3 && strcmp(argv[1], "unelevated") == 0)
    return unelevated(argv[2]);
  fprintf(stderr, "usage: vg_probe gpo STEP... | vg_probe "
                  "qfailure|status|paramchange NAME | vg_probe sleep MS | "
                  "vg_probe unelevated CMD\n");
  return 2;
}
