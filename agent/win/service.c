/*
 * The Windows service VssGuard (SERVICE_WIN32_OWN_PROCESS, LocalSystem):
 * installation and control for `vssguard service ...`, and the service
 * process itself. ServiceMain runs the agent's libuv loop (vg_run); the
 * control handler runs on the dispatcher thread and only hands requests to
 * the loop: STOP and PRESHUTDOWN save the state and end the loop,
 * PARAMCHANGE reloads the policy. A change under the Group Policy key
 * reloads it too.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vssguard/agent.h"
#include "vssguard/cli.h"
#include "vssguard/log.h"
#include "vssguard/platform.h"
#include "vssguard/run.h"
#include "win.h"

#define DISPLAY_NAME L"VSS Session Guard"
#define DESCRIPTION                                                            \
  L"Counts Windows Server Backup runs, infers the active VSS writer "          \
  L"sessions and reboots the server inside a maintenance window before they "  \
  L"reach 64 (VSS event 12289)."
#define EVENTLOG_KEY                                                           \
  L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\VssGuard"
/* How long the control commands wait for a state change. */
#define WAIT_MS 30000

/* ---- the service process ---- */

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event; /* set by the handler on STOP/PRESHUTDOWN */
static HANDLE done_event; /* set when vg_run returned */
static char svc_policy[1024];
static char svc_state[1024];
static bool svc_dry_run;
/* The agent's error (a positive vg error number) reported with
 * ERROR_SERVICE_SPECIFIC_ERROR when the service stops on one. */
static DWORD svc_error;

static void set_status(DWORD state, DWORD exit_code, DWORD wait_hint) {
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwWin32ExitCode = exit_code;
  status.dwServiceSpecificExitCode =
      exit_code == ERROR_SERVICE_SPECIFIC_ERROR ? svc_error : 0;
  status.dwWaitHint = wait_hint;
  status.dwControlsAccepted = state == SERVICE_RUNNING
                                  ? SERVICE_ACCEPT_STOP |
                                        SERVICE_ACCEPT_PRESHUTDOWN |
                                        SERVICE_ACCEPT_PARAMCHANGE
                                  : 0;
  if (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
    status.dwCheckPoint = 0;
  else
    status.dwCheckPoint++;
  SetServiceStatus(status_handle, &status);
}

/* The control handler, on the dispatcher thread: never blocks. */
static DWORD WINAPI handler(DWORD control, DWORD type, LPVOID data,
                            LPVOID ctx) {
  (void)type;
  (void)data;
  (void)ctx;
  switch (control) {
  case SERVICE_CONTROL_STOP:
  case SERVICE_CONTROL_PRESHUTDOWN:
  case SERVICE_CONTROL_SHUTDOWN:
    set_status(SERVICE_STOP_PENDING, NO_ERROR, WAIT_MS);
    SetEvent(stop_event);
    return NO_ERROR;
  case SERVICE_CONTROL_PARAMCHANGE: vg_run_request_reload(); return NO_ERROR;
  case SERVICE_CONTROL_INTERROGATE: return NO_ERROR;
  default: return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

/*
 * Passes a stop request on to the loop. vg_run ignores requests made before
 * it is running, so the request is repeated until vg_run has returned.
 */
static DWORD WINAPI stopper(void *arg) {
  (void)arg;
  HANDLE h[2] = {stop_event, done_event};
  if (WaitForMultipleObjects(2, h, FALSE, INFINITE) != WAIT_OBJECT_0)
    return 0;
  do {
    vg_run_request_stop();
  } while (WaitForSingleObject(done_event, 500) == WAIT_TIMEOUT);
  return 0;
}

static void on_gpo_change(void *ud) {
  (void)ud;
  vg_log_info(VG_EV_GENERIC, "Group Policy settings changed: reloading");
  vg_run_request_reload();
}

static void configure(SC_HANDLE svc);

/*
 * Applies the service settings an MSI cannot set (wixl has no element for
 * them): delayed automatic start, restart on failure, preshutdown timeout.
 * `vssguard service install` sets the same; doing it at every start makes an
 * MSI installation end up alike.
 */
static void configure_self(void) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  SC_HANDLE svc = NULL;
  /* SC_ACTION_RESTART needs SERVICE_START on the handle as well. */
  if (scm != NULL)
    svc = OpenServiceW(scm, VG_WIN_SERVICE_NAME,
                       SERVICE_CHANGE_CONFIG | SERVICE_START);
  if (svc != NULL) {
    configure(svc);
    CloseServiceHandle(svc);
  } else {
    vg_log_warn(VG_EV_SERVICE_CONFIG,
                "cannot open the service to set its recovery actions: error "
                "%lu",
                (unsigned long)GetLastError());
  }
  if (scm != NULL)
    CloseServiceHandle(scm);
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  struct vg_agent_config cfg;
  vg_win_gpo_watch *watch = NULL;
  HANDLE thread;
  int rc;

  (void)argc;
  (void)argv;
  status_handle =
      RegisterServiceCtrlHandlerExW(VG_WIN_SERVICE_NAME, handler, NULL);
  if (status_handle == NULL)
    return;
  set_status(SERVICE_START_PENDING, NO_ERROR, WAIT_MS);
  vg_win_eventlog_open(false);

  /* The data directory and the state, restricted to SYSTEM and
   * Administrators; the agent runs on whatever the outcome (logged). */
  (void)vg_win_secure_data(svc_state);
  configure_self();

  memset(&cfg, 0, sizeof(cfg));
  cfg.policy_path = svc_policy;
  cfg.state_path = svc_state;
  cfg.dry_run = svc_dry_run;

  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  done_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  thread = CreateThread(NULL, 0, stopper, NULL, 0, NULL);
  /* vg_run has no loop for the watcher: it calls a thread-safe request. */
  if (vg_win_gpo_watch_start(on_gpo_change, NULL, &watch) != 0)
    vg_log_warn(VG_EV_GENERIC, "Group Policy changes are not watched");

  set_status(SERVICE_RUNNING, NO_ERROR, 0);
  rc = vg_run(&cfg);
  SetEvent(done_event);
  if (thread != NULL) {
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
  }
  vg_win_gpo_watch_stop(watch);
  if (rc != 0) {
    svc_error = (DWORD)(rc < 0 ? -rc : rc);
    vg_log_error(VG_EV_STOPPED,
                 "the service stopped on an error: %s (service-specific exit "
                 "code %lu)",
                 vg_strerror(rc), (unsigned long)svc_error);
  }
  vg_win_eventlog_close();
  CloseHandle(stop_event);
  CloseHandle(done_event);
  set_status(SERVICE_STOPPED, rc == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR,
             0);
}

/* Fills the default policy and state paths, then the command line's. */
static int service_args(int argc, char **argv, int first, bool allow_dry_run,
                        char *extra, size_t extra_len) {
  const char *dir = vg_plat_default_dir();
  const char *gpo_file = NULL;
  struct vg_win_gpo g;

  if (vg_win_gpo_read(&g) == 0 && g.policy_file[0] != '\0')
    gpo_file = g.policy_file;
  if (gpo_file != NULL)
    snprintf(svc_policy, sizeof(svc_policy), "%s", gpo_file);
  else
    snprintf(svc_policy, sizeof(svc_policy), "%s\\policy.yaml", dir);
  snprintf(svc_state, sizeof(svc_state), "%s\\state", dir);
  if (extra != NULL)
    extra[0] = '\0';
  for (int i = first; i < argc; i++) {
    const char *opt = argv[i];
    if ((strcmp(opt, "--policy") == 0 || strcmp(opt, "--state") == 0) &&
        i + 1 < argc) {
      char *dst = opt[2] == 'p' ? svc_policy : svc_state;
      snprintf(dst, 1024, "%s", argv[++i]);
      if (extra != NULL) {
        size_t n = strlen(extra);
        snprintf(extra + n, extra_len - n, " %s \"%s\"", opt, argv[i]);
      }
    } else if (allow_dry_run && strcmp(opt, "--dry-run") == 0) {
      svc_dry_run = true;
      if (extra != NULL) {
        size_t n = strlen(extra);
        snprintf(extra + n, extra_len - n, " --dry-run");
      }
    } else {
      fprintf(stderr, "vssguard: service: unknown argument '%s'\n", opt);
      return VG_EXIT_USAGE;
    }
  }
  return VG_EXIT_OK;
}

int vg_win_service_run(int argc, char **argv) {
  SERVICE_TABLE_ENTRYW table[] = {{(LPWSTR)VG_WIN_SERVICE_NAME, service_main},
                                  {NULL, NULL}};
  int rc = service_args(argc, argv, 3, true, NULL, 0);
  if (rc != VG_EXIT_OK)
    return rc;
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD err = GetLastError();
    if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
      fprintf(stderr, "vssguard: 'service run' is started by the service "
                      "manager; use 'vssguard run' in a console\n");
    else
      fprintf(stderr,
              "vssguard: StartServiceCtrlDispatcherW failed: error "
              "%lu\n",
              (unsigned long)err);
    return VG_EXIT_FAIL;
  }
  return VG_EXIT_OK;
}

/* ---- installation and control ---- */

static void print_error(const char *what) {
  fprintf(stderr, "vssguard: %s failed: error %lu\n", what,
          (unsigned long)GetLastError());
}

/* Registers the Event Log source with the executable as message file. */
static int register_source(const wchar_t *exe) {
  HKEY key;
  DWORD types =
      EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  LONG rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY, 0, NULL, 0,
                            KEY_SET_VALUE, NULL, &key, NULL);
  if (rc != ERROR_SUCCESS)
    return VG_EIO;
  RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                 (DWORD)((wcslen(exe) + 1) * sizeof(*exe)));
  RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types,
                 sizeof(types));
  RegCloseKey(key);
  return VG_OK;
}

/* Logs a setting that could not be applied (stderr in a console, the Event
 * Log in the service). */
static void config_failed(const char *what) {
  vg_log_warn(VG_EV_SERVICE_CONFIG, "setting the %s failed: error %lu", what,
              (unsigned long)GetLastError());
}

/*
 * Sets the description, delayed automatic start, recovery (restart after a
 * minute, also when the service stops with an error rather than crashes)
 * and the preshutdown timeout. svc needs SERVICE_CHANGE_CONFIG and
 * SERVICE_START. Failures are logged (event 1021) and do not stop anything.
 */
static void configure(SC_HANDLE svc) {
  SERVICE_DESCRIPTIONW desc = {(LPWSTR)DESCRIPTION};
  SERVICE_DELAYED_AUTO_START_INFO delayed = {TRUE};
  SERVICE_FAILURE_ACTIONS_FLAG on_error = {TRUE};
  SC_ACTION actions[3] = {{SC_ACTION_RESTART, 60000},
                          {SC_ACTION_RESTART, 60000},
                          {SC_ACTION_RESTART, 60000}};
  SERVICE_FAILURE_ACTIONSW fail;
  SERVICE_PRESHUTDOWN_INFO pre = {WAIT_MS};

  memset(&fail, 0, sizeof(fail));
  fail.dwResetPeriod = 86400;
  fail.cActions = 3;
  fail.lpsaActions = actions;
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc))
    config_failed("service description");
  /* Wine lacks this level: the service then starts automatically without
   * the delay. */
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
                             &delayed))
    config_failed("delayed automatic start (the service starts "
                  "automatically)");
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fail))
    config_failed("recovery actions");
  /* Without it the actions apply to crashes only, not to a stop with an
   * error code (dwServiceSpecificExitCode). */
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG,
                             &on_error))
    config_failed("recovery on error exits");
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_PRESHUTDOWN_INFO, &pre))
    config_failed("preshutdown timeout");
}

int vg_win_service_install_args(int argc, char **argv) {
  wchar_t exe[MAX_PATH];
  wchar_t *wextra, *cmd;
  char extra[2200];
  size_t cmd_len;
  SC_HANDLE scm, svc;
  DWORD n;
  int rc = service_args(argc, argv, 3, true, extra, sizeof(extra));

  if (rc != VG_EXIT_OK)
    return rc;
  n = GetModuleFileNameW(NULL, exe, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) {
    print_error("GetModuleFileNameW");
    return VG_EXIT_FAIL;
  }
  wextra = vg_win_wide(extra);
  if (wextra == NULL)
    return VG_EXIT_FAIL;
  cmd_len = wcslen(exe) + wcslen(wextra) + 32;
  cmd = malloc(cmd_len * sizeof(*cmd));
  if (cmd == NULL) {
    free(wextra);
    return VG_EXIT_FAIL;
  }
  _snwprintf(cmd, cmd_len, L"\"%ls\" service run%ls", exe, wextra);
  cmd[cmd_len - 1] = L'\0';
  free(wextra);

  scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
  if (scm == NULL) {
    print_error("OpenSCManagerW (run as an administrator)");
    free(cmd);
    return VG_EXIT_FAIL;
  }
  svc =
      CreateServiceW(scm, VG_WIN_SERVICE_NAME, DISPLAY_NAME, SERVICE_ALL_ACCESS,
                     SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                     SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, NULL, NULL);
  if (svc == NULL && GetLastError() == ERROR_SERVICE_EXISTS) {
    svc = OpenServiceW(scm, VG_WIN_SERVICE_NAME, SERVICE_ALL_ACCESS);
    if (svc != NULL &&
        !ChangeServiceConfigW(svc, SERVICE_WIN32_OWN_PROCESS,
                              SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd,
                              NULL, NULL, NULL, NULL, NULL, DISPLAY_NAME))
      print_error("ChangeServiceConfigW");
  }
  free(cmd);
  if (svc == NULL) {
    print_error("CreateServiceW");
    CloseServiceHandle(scm);
    return VG_EXIT_FAIL;
  }
  configure(svc);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  if (register_source(exe) != 0)
    fprintf(stderr, "vssguard: cannot register the Event Log source\n");
  {
    char dir[1024];
    char *slash;
    snprintf(dir, sizeof(dir), "%s", svc_state);
    slash = strrchr(dir, '\\');
    if (slash != NULL) {
      *slash = '\0';
      if (vg_win_secure_dir(dir) != 0)
        fprintf(stderr, "vssguard: cannot create %s\n", dir);
    }
  }
  printf("service VssGuard installed (policy %s, state %s)\n", svc_policy,
         svc_state);
  return VG_EXIT_OK;
}

/* Waits until the service reaches state, up to WAIT_MS. */
static bool wait_state(SC_HANDLE svc, DWORD state) {
  SERVICE_STATUS st;
  for (int waited = 0; waited <= WAIT_MS; waited += 250) {
    if (!QueryServiceStatus(svc, &st))
      return false;
    if (st.dwCurrentState == state)
      return true;
    Sleep(250);
  }
  return false;
}

static SC_HANDLE open_service(DWORD access, SC_HANDLE *scm) {
  SC_HANDLE svc;
  *scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  if (*scm == NULL) {
    print_error("OpenSCManagerW");
    return NULL;
  }
  svc = OpenServiceW(*scm, VG_WIN_SERVICE_NAME, access);
  if (svc == NULL) {
    if (GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST)
      fprintf(stderr, "vssguard: the service VssGuard is not installed\n");
    else
      print_error("OpenServiceW");
    CloseServiceHandle(*scm);
  }
  return svc;
}

static int stop_service(SC_HANDLE svc) {
  SERVICE_STATUS st;
  if (!QueryServiceStatus(svc, &st))
    return VG_EIO;
  if (st.dwCurrentState == SERVICE_STOPPED)
    return VG_OK;
  if (st.dwCurrentState != SERVICE_STOP_PENDING &&
      !ControlService(svc, SERVICE_CONTROL_STOP, &st)) {
    print_error("ControlService(STOP)");
    return VG_EIO;
  }
  if (!wait_state(svc, SERVICE_STOPPED)) {
    fprintf(stderr, "vssguard: the service did not stop within %d s\n",
            WAIT_MS / 1000);
    return VG_EIO;
  }
  return VG_OK;
}

int vg_win_service_uninstall(void) {
  SC_HANDLE scm, svc = open_service(SERVICE_ALL_ACCESS, &scm);
  int rc = VG_EXIT_OK;
  if (svc == NULL)
    return VG_EXIT_FAIL;
  (void)stop_service(svc);
  if (!DeleteService(svc)) {
    print_error("DeleteService");
    rc = VG_EXIT_FAIL;
  }
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  if (rc == VG_EXIT_OK) {
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY);
    printf("service VssGuard removed (policy and state are kept)\n");
  }
  return rc;
}

int vg_win_service_start(void) {
  SC_HANDLE scm, svc = open_service(SERVICE_START | SERVICE_QUERY_STATUS, &scm);
  int rc = VG_EXIT_OK;
  if (svc == NULL)
    return VG_EXIT_FAIL;
  if (!StartServiceW(svc, 0, NULL) &&
      GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
    print_error("StartServiceW");
    rc = VG_EXIT_FAIL;
  } else if (!wait_state(svc, SERVICE_RUNNING)) {
    fprintf(stderr, "vssguard: the service did not start; see the "
                    "Application event log (source VssGuard)\n");
    rc = VG_EXIT_FAIL;
  } else {
    printf("service VssGuard running\n");
  }
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

int vg_win_service_stop(void) {
  SC_HANDLE scm, svc = open_service(SERVICE_STOP | SERVICE_QUERY_STATUS, &scm);
  int rc;
  if (svc == NULL)
    return VG_EXIT_FAIL;
  rc = stop_service(svc) == VG_OK ? VG_EXIT_OK : VG_EXIT_FAIL;
  if (rc == VG_EXIT_OK)
    printf("service VssGuard stopped\n");
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}
