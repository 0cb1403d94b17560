#!/usr/bin/env python3
"""Measures VSS Session Guard's footprint and speed for scripts/bench and
prints one table, each figure with its method and target. Not a test: it
times things and fails only when a measurement cannot be taken.

Figures (all in one run, on this machine):
  idle      the agent following an idle file with a state below the
            threshold, observed for --idle-seconds after start-up settled:
            syscalls (strace -f -tt, attached after start-up) and context
            switches (/proc/PID/task/*/status) per minute;
  memory    VmHWM/VmRSS (and the anonymous part) of that agent at idle,
            after --react events and after ingesting --events more;
  reaction  append one backup event to the followed file, read the agent's
            "run counted" line from its stderr pipe (time.monotonic());
  planner   tests/bench/bench_planner (vg_plan_next_slot, vg_plan_slots) and
            `vssguard windows --count 10000` against `systemd-analyze
            calendar --iterations=10000` for the same weekly expression,
            plus an agreement check of the first 100 window starts;
  replay    `vssguard replay` over a generated --events export; cold start
            of the agent on a --cold-events followed file;
  size      the stripped Linux binary and the static vssguard.exe.
"""

import argparse
import json
import os
import platform
import queue
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# A Thursday noon, outside every window of the benchmark policies, so the
# planner's first slot and systemd's first elapse are the same instant.
FROM_ISO = "2026-01-01T12:00:00Z"
FROM_EPOCH = 1767268800

# Four weekly windows, the product of {Mon, Thu} x {01:30, 13:30}, so one
# calendar expression gives exactly their starts; and four blackouts, one of
# each kind plus a weekly one that splits a window.
WINDOWS_4 = ['"mon 01:30 3h"', '"mon 13:30 2h"', '"thu 01:30 90m"',
             '"thu 13:30 4h"']
EXPR_4 = "Mon,Thu *-*-* 01,13:30:00 UTC"
BLACKOUTS_4 = [
    "{ name: year-end freeze, start: 2026-12-20T00:00, end: 2027-01-04T00:00 }",
    "{ name: month-end close, monthly: { from_day: -3, to_day: -1 } }",
    '{ name: payroll, days: [thu], start: "15:00", duration: 6h }',
    '{ name: patch review, days: [mon], start: "02:00", duration: 30m }',
]
# Windows that cross midnight and the week boundary, one expression each.
WINDOWS_X = [('"sun 02:00 3h"', "Sun *-*-* 02:00:00 UTC"),
             ('"wed 23:30 2h"', "Wed *-*-* 23:30:00 UTC"),
             ('"sat 22:00 3h"', "Sat *-*-* 22:00:00 UTC")]

# A run after everything gen-events writes: its "run counted" line says the
# agent has read the whole file.
MARK_START = 16094149200  # 2480-01-01T21:00:00Z
MARK_END = MARK_START + 1800
MARK_RX = r"run counted: .*2480-01-01"

RUSAGE = None  # tests/bench/bench_rusage, set from --rusage

NS = "http://schemas.microsoft.com/win/2004/08/events/event"


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def write_policy(path, windows, blackouts=(), threshold=56):
    lines = ["threshold: %d" % threshold, "timezone: UTC",
             "maintenance_windows:"]
    lines += ["  - " + w for w in windows]
    if blackouts:
        lines.append("blackouts:")
        lines += ["  - " + b for b in blackouts]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)  # the agent trusts only a policy others cannot write


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))


def run_event(record, end_t, start_t):
    """A Windows Server Backup 'finished successfully' (4) event."""
    return (
        "<Event xmlns='%s'><System><Provider Name='Microsoft-Windows-Backup' "
        "Guid='{1db28f2e-8f80-4027-8c5a-a11f7f10f62d}'/><EventID>4</EventID>"
        "<Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode>"
        "<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='%s."
        "000000000Z'/><EventRecordID>%d</EventRecordID><Correlation/>"
        "<Execution ProcessID='1612' ThreadID='5852'/><Channel>Microsoft-"
        "Windows-Backup</Channel><Computer>BENCH.corp.example</Computer>"
        "<Security UserID='S-1-5-18'/></System><EventData><Data Name='HRESULT'>"
        "0</Data><Data Name='BackupState'>1</Data><Data Name='BackupTime'>"
        "%s.000Z</Data></EventData></Event>\n"
        % (NS, iso(end_t), record, iso(start_t))).encode()


def timed(cmd, env=None, stdout=subprocess.DEVNULL):
    """Runs cmd through bench_rusage; returns (rc, wall s, cpu s (user +
    sys), peak RSS KiB)."""
    with tempfile.TemporaryFile() as errf, \
            tempfile.NamedTemporaryFile("r") as res:
        rc = subprocess.call([RUSAGE, res.name] + cmd, env=env,
                             stdout=stdout, stdin=subprocess.DEVNULL,
                             stderr=errf)
        fields = res.read().split()
        if rc != 0 or len(fields) != 4:
            errf.seek(0)
            log("%s exited %d: %s" % (cmd[0], rc,
                                      errf.read().decode(errors="replace")
                                      .strip()[-500:]))
            return rc or 1, 0.0, 0.0, 0
    return int(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])


def median_run(cmd, n, env=None):
    runs = [timed(cmd, env=env) for _ in range(n)]
    if any(r[0] != 0 for r in runs):
        return None
    return (statistics.median(r[1] for r in runs),
            statistics.median(r[2] for r in runs))


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def kib(status, key):
    return int(status[key].split()[0])


def ctxt(pid):
    """Voluntary and involuntary context switches summed over all threads."""
    vol = inv = 0
    tasks = os.listdir("/proc/%d/task" % pid)
    for t in tasks:
        try:
            s = proc_status_path("/proc/%d/task/%s/status" % (pid, t))
        except FileNotFoundError:
            continue
        vol += int(s["voluntary_ctxt_switches"])
        inv += int(s["nonvoluntary_ctxt_switches"])
    return vol, inv, len(tasks)


def proc_status_path(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Agent:
    """`vssguard run` with its stderr read line by line on a thread, each
    line stamped with time.monotonic() as it arrives."""

    def __init__(self, vssguard, policy, state, follow, prefix=()):
        self.t_spawn = time.monotonic()
        self.p = subprocess.Popen(
            list(prefix) + [vssguard, "run", "--policy", policy, "--state", state,
             "--events-follow", follow, "--dry-run", "--seed", "1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        self.pid = self.p.pid
        self.q = queue.Queue()
        self.lines = 0
        self.tail = []
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()

    def _read(self):
        fd = self.p.stderr.fileno()
        buf = b""
        while True:
            r, _, _ = select.select([fd], [], [])
            chunk = os.read(fd, 65536)
            now = time.monotonic()
            if not chunk:
                self.q.put((now, None))
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.lines += 1
                text = line.decode(errors="replace")
                self.tail = (self.tail + [text])[-20:]
                self.q.put((now, text))

    def wait_for(self, pattern, timeout):
        """The arrival time and text of the next line matching pattern."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise RuntimeError("no line matching %r within %.0f s; last "
                                   "lines:\n  %s" % (pattern, timeout,
                                                     "\n  ".join(self.tail)))
            try:
                t, line = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError("the agent exited (%s); last lines:\n  %s"
                                   % (self.p.poll(), "\n  ".join(self.tail)))
            if rx.search(line):
                return t, line

    def drain(self):
        while True:
            try:
                self.q.get_nowait()
            except queue.Empty:
                return

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.th.join(timeout=5)
        return rc


def count_syscalls(trace_path, t_from, t_to):
    """Syscall entries in an strace -f -tt log whose time is in
    [t_from, t_to) (HH:MM:SS.us of the same day), by name."""
    by = {}
    rx = re.compile(r"^(?:\[pid\s+)?\d+\]?\s+(\d\d):(\d\d):(\d\d\.\d+)\s+"
                    r"(?:<\.\.\.\s+)?([a-z_0-9]+)")
    with open(trace_path, errors="replace") as f:
        for line in f:
            m = rx.match(line)
            if not m:
                continue
            secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + \
                float(m.group(3))
            if t_from <= secs < t_to and "resumed>" not in line:
                by[m.group(4)] = by.get(m.group(4), 0) + 1
    return by


def clock_of_day():
    t = time.time()
    lt = time.localtime(t)  # strace -tt prints local time
    return lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec + (t % 1)


def bench_agent(a, R, work):
    """Idle, memory, reaction and the big ingest on one agent; then the
    cold start on another."""
    d = os.path.join(work, "agent")
    shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(os.path.join(work, "cold"), ignore_errors=True)
    fdir = os.path.join(d, "follow")  # its own directory: no other writes
    os.makedirs(fdir, exist_ok=True)
    policy = os.path.join(d, "policy.yaml")
    write_policy(policy, WINDOWS_4, BLACKOUTS_4)
    state = os.path.join(d, "state")
    follow = os.path.join(fdir, "events.xml")

    # Events after this machine's boot (older ones belong to an earlier boot
    # and are not counted), an hour apart so each is its own run.
    base = int(time.time()) // 3600 * 3600 + 3600
    record = 0

    def next_run():
        nonlocal record
        record += 1
        start = base + record * 3600
        return run_event(record, start + 1800, start)

    # A state to start from: 20 runs counted, below the threshold of 56.
    with open(follow, "wb") as f:
        for _ in range(20):
            f.write(next_run())
    ag = Agent(a.vssguard, policy, state, follow)
    ag.wait_for(r"run counted: 20/", 30)
    ag.stop()

    # The agent under test starts with that state and the same file (all
    # 20 events are duplicates now).
    ag = Agent(a.vssguard, policy, state, follow)
    t_started, _ = ag.wait_for(r"\] started: count 20/", 30)
    R["agent_start_s"] = t_started - ag.t_spawn
    time.sleep(a.settle)
    st = proc_status(ag.pid)
    R["idle_threads"] = int(st["Threads"])

    # Idle: strace attached after start-up; the window opens once the attach
    # itself has settled and closes before the detach.
    trace = os.path.join(d, "idle.strace")
    tracer = subprocess.Popen(["strace", "-f", "-tt", "-o", trace, "-p",
                               str(ag.pid)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    time.sleep(2)
    c0 = ctxt(ag.pid)
    w0, m0 = clock_of_day(), time.monotonic()
    time.sleep(a.idle_seconds)
    c1 = ctxt(ag.pid)
    w1, m1 = clock_of_day(), time.monotonic()
    tracer.send_signal(signal.SIGINT)
    tracer.wait()
    minutes = (m1 - m0) / 60.0
    sc = count_syscalls(trace, w0, w1) if w1 > w0 else {}
    R["idle_window_s"] = m1 - m0
    R["idle_syscalls"] = sum(sc.values())
    R["idle_syscalls_by_name"] = sc
    R["idle_syscalls_per_min"] = sum(sc.values()) / minutes
    R["idle_ctxt_vol"] = c1[0] - c0[0]
    R["idle_ctxt_invol"] = c1[1] - c0[1]
    R["idle_wakeups_per_min"] = ((c1[0] - c0[0]) + (c1[1] - c0[1])) / minutes

    st = proc_status(ag.pid)
    R["idle_hwm_kib"] = kib(st, "VmHWM")
    R["idle_rss_kib"] = kib(st, "VmRSS")
    R["idle_anon_kib"] = kib(st, "RssAnon")
    R["idle_pss_kib"] = pss_kib(ag.pid)

    # Reaction: one event at a time, the next once the state write of the
    # one before is surely done.
    lat = []
    for _ in range(a.react):
        ev = next_run()
        ag.drain()
        with open(follow, "ab") as f:
            t0 = time.monotonic()
            f.write(ev)
            f.flush()
        t1, _ = ag.wait_for(r"run counted: ", 10)
        lat.append(t1 - t0)
        time.sleep(0.05)
    R["react_n"] = len(lat)
    R["react_median_ms"] = statistics.median(lat) * 1e3
    R["react_max_ms"] = max(lat) * 1e3
    R["react_p90_ms"] = sorted(lat)[int(0.9 * (len(lat) - 1))] * 1e3
    time.sleep(0.5)
    st = proc_status(ag.pid)
    R["react_rss_kib"] = kib(st, "VmRSS")
    R["react_anon_kib"] = kib(st, "RssAnon")

    # History: append the big export and a marker run after it.
    cpu0 = cpu_ticks(ag.pid)
    t0 = time.monotonic()
    with open(follow, "ab") as out, open(a.big, "rb") as src:
        shutil.copyfileobj(src, out, 4 << 20)
        out.write(run_event(999999999, MARK_END, MARK_START))
    ag.wait_for(MARK_RX, a.ingest_timeout)
    R["ingest_s"] = time.monotonic() - t0
    R["ingest_cpu_s"] = cpu_ticks(ag.pid) - cpu0
    R["ingest_events"] = a.events + 1
    time.sleep(1)
    st = proc_status(ag.pid)
    R["big_hwm_kib"] = kib(st, "VmHWM")
    R["big_rss_kib"] = kib(st, "VmRSS")
    R["big_anon_kib"] = kib(st, "RssAnon")
    R["big_pss_kib"] = pss_kib(ag.pid)
    R["state_bytes"] = os.path.getsize(state)
    R["agent_lines"] = ag.lines
    R["agent_exit"] = ag.stop()

    # Cold start: a fresh agent on an existing followed file.
    cd = os.path.join(work, "cold")
    cfd = os.path.join(cd, "follow")
    os.makedirs(cfd, exist_ok=True)
    cfollow = os.path.join(cfd, "events.xml")
    with open(cfollow, "wb") as out, open(a.cold, "rb") as src:
        shutil.copyfileobj(src, out, 4 << 20)
        out.write(run_event(999999999, MARK_END, MARK_START))
    cstate = os.path.join(cd, "state")
    ag = Agent(a.vssguard, policy, cstate, cfollow)
    t_started, _ = ag.wait_for(r"\] started: ", 30)
    t_done, _ = ag.wait_for(MARK_RX, a.ingest_timeout)
    R["cold_started_ms"] = (t_started - ag.t_spawn) * 1e3
    R["cold_done_s"] = t_done - ag.t_spawn
    R["cold_cpu_s"] = cpu_ticks(ag.pid)
    time.sleep(0.5)
    st = proc_status(ag.pid)
    R["cold_hwm_kib"] = kib(st, "VmHWM")
    R["cold_rss_kib"] = kib(st, "VmRSS")
    R["cold_anon_kib"] = kib(st, "RssAnon")
    R["cold_exit"] = ag.stop()

    bench_pending(a, R, work, policy)
    if a.vssguard_static:
        R["static_rss_kib"], R["static_anon_kib"], R["static_pss_kib"] = \
            idle_rss(a.vssguard_static, policy, work)


def make_runs(path, n):
    """A followed file with n backup runs an hour apart, after this boot."""
    base = int(time.time()) // 3600 * 3600 + 3600
    with open(path, "wb") as f:
        for i in range(1, n + 1):
            start = base + i * 3600
            f.write(run_event(i, start + 1800, start))


def idle_rss(vssguard, policy, work):
    """VmRSS, RssAnon and PSS of an agent idle with a 20-run state."""
    d = os.path.join(work, "static")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "follow"))
    follow = os.path.join(d, "follow", "events.xml")
    make_runs(follow, 20)
    ag = Agent(vssguard, policy, os.path.join(d, "state"), follow)
    ag.wait_for(r"run counted: 20/", 30)
    time.sleep(1)
    st = proc_status(ag.pid)
    r = (kib(st, "VmRSS"), kib(st, "RssAnon"), pss_kib(ag.pid))
    ag.stop()
    return r


def bench_pending(a, R, work, policy):
    """The wake-ups of an agent with a reboot scheduled days ahead: the
    agent is started under strace, which shows epoll_wait's timeout (-1
    when only the wall-clock alarm's timerfd is armed), and its context
    switches are counted for --idle-seconds once the schedule is logged."""
    d = os.path.join(work, "pending")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "follow"))
    follow = os.path.join(d, "follow", "events.xml")
    make_runs(follow, 60)
    trace = os.path.join(d, "epoll.strace")
    ag = Agent(a.vssguard, policy, os.path.join(d, "state"), follow,
               prefix=["strace", "-f", "-e", "trace=epoll_wait,epoll_pwait",
                       "-o", trace])
    _, line = ag.wait_for(r"reboot scheduled at ", 30)
    time.sleep(1)
    # The agent itself is the tracer's child.
    with open("/proc/%d/task/%d/children" % (ag.pid, ag.pid)) as f:
        kids = [int(x) for x in f.read().split()]
    if kids:
        c0, m0 = ctxt(kids[0]), time.monotonic()
        time.sleep(a.idle_seconds)
        c1, m1 = ctxt(kids[0]), time.monotonic()
        R["pending_window_s"] = m1 - m0
        R["pending_wakeups"] = (c1[0] - c0[0]) + (c1[1] - c0[1])
        R["pending_wakeups_per_min"] = R["pending_wakeups"] / ((m1 - m0) / 60)
    for k in kids:
        os.kill(k, signal.SIGTERM)
    ag.stop()
    timeouts = []
    with open(trace, errors="replace") as f:
        for ln in f:
            m = re.search(r"epoll_p?wait\(\d+, .*?, \d+, (-?\d+)", ln)
            if m:
                timeouts.append(int(m.group(1)))
    R["pending_sched"] = line.split("reboot scheduled at ", 1)[1].split()[0]
    # A positive timeout is a loop timer; -1 waits for the timerfd alone.
    waits = [t for t in timeouts if t > 0]
    R["pending_sleep_s"] = max(waits) / 1000.0 if waits else None
    R["pending_epoll_waits"] = len(timeouts)


def windows_starts(vssguard, policy, n):
    out = subprocess.run([vssguard, "windows", "--policy", policy, "--from",
                          FROM_ISO, "--count", str(n), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return [s["start"] for s in json.loads(out)["slots"]]


def systemd_elapses(exprs, n, env):
    """The first n elapses after FROM of each expression, merged, in UTC."""
    out = subprocess.run(["systemd-analyze", "calendar", "--iterations=%d" % n,
                          "--base-time=@%d" % FROM_EPOCH] + exprs,
                         check=True, capture_output=True, text=True,
                         env=env).stdout
    rx = re.compile(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d) "
                    r"(\d\d:\d\d:\d\d) UTC")
    got = sorted("%sT%sZ" % m.groups() for m in rx.finditer(out))
    return got[:n]


def bench_planner(a, R, work):
    d = os.path.join(work, "planner")
    os.makedirs(d, exist_ok=True)
    p4 = os.path.join(d, "windows4-blackouts4.yaml")
    write_policy(p4, WINDOWS_4, BLACKOUTS_4)
    p4n = os.path.join(d, "windows4.yaml")
    write_policy(p4n, WINDOWS_4)
    px = os.path.join(d, "cross.yaml")
    write_policy(px, [w for w, _ in WINDOWS_X])
    env = dict(os.environ, TZ="UTC", LC_ALL="C")

    out = subprocess.run([a.planner, p4, str(FROM_EPOCH), "10000"],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        k, v = line.split()
        R["pl_" + k] = float(v)

    # The same 10,000 in separate processes that print them.
    n = a.repeat
    ours = median_run([a.vssguard, "windows", "--policy", p4, "--from",
                       FROM_ISO, "--count", "10000", "--json"], n, env)
    ours1 = median_run([a.vssguard, "windows", "--policy", p4, "--from",
                        FROM_ISO, "--count", "1", "--json"], n, env)
    sd = median_run(["systemd-analyze", "calendar", "--iterations=10000",
                     "--base-time=@%d" % FROM_EPOCH, EXPR_4], n, env)
    sd1 = median_run(["systemd-analyze", "calendar", "--iterations=1",
                      "--base-time=@%d" % FROM_EPOCH, EXPR_4], n, env)
    R["cli10k_wall_ms"], R["cli10k_cpu_ms"] = [x * 1e3 for x in ours]
    R["cli1_wall_ms"], R["cli1_cpu_ms"] = [x * 1e3 for x in ours1]
    R["sd10k_wall_ms"], R["sd10k_cpu_ms"] = [x * 1e3 for x in sd]
    R["sd1_wall_ms"], R["sd1_cpu_ms"] = [x * 1e3 for x in sd1]

    # Agreement of the first 100 window starts, no blackouts, UTC.
    ok = []
    mine = windows_starts(a.vssguard, p4n, 100)
    theirs = systemd_elapses([EXPR_4], 100, env)
    ok.append(("4 windows vs '%s'" % EXPR_4, mine == theirs,
               first_diff(mine, theirs)))
    mine = windows_starts(a.vssguard, px, 100)
    theirs = systemd_elapses([e for _, e in WINDOWS_X], 100, env)
    ok.append(("%s vs %s" % (" + ".join(w for w, _ in WINDOWS_X),
                             " + ".join("'%s'" % e for _, e in WINDOWS_X)),
               mine == theirs, first_diff(mine, theirs)))
    R["agree"] = ok


def first_diff(x, y):
    if len(x) != len(y):
        return "%d vs %d starts" % (len(x), len(y))
    for i, (p, q) in enumerate(zip(x, y)):
        if p != q:
            return "#%d: %s vs %s" % (i + 1, p, q)
    return ""


def bench_replay(a, R, work):
    d = os.path.join(work, "replay")
    os.makedirs(d, exist_ok=True)
    policy = os.path.join(d, "policy.yaml")
    write_policy(policy, WINDOWS_4, BLACKOUTS_4)
    # The median of a few runs (a shared machine's load moves the wall
    # time), the largest peak RSS; the load average around them.
    runs = []
    R["replay_load"] = [os.getloadavg()[0]]
    for _ in range(min(a.repeat, 3)):
        rc, wall, cpu, maxrss = timed([a.vssguard, "replay", "--policy",
                                       policy, "--events", a.big,
                                       "--summary"])
        if rc != 0:
            raise RuntimeError("replay failed")
        runs.append((wall, cpu, maxrss))
    R["replay_load"].append(os.getloadavg()[0])
    R["replay_events"] = a.events
    R["replay_runs"] = len(runs)
    R["replay_wall_s"] = statistics.median(r[0] for r in runs)
    R["replay_cpu_s"] = statistics.median(r[1] for r in runs)
    R["replay_maxrss_kib"] = max(r[2] for r in runs)
    rc, wall, cpu, maxrss = timed([a.vssguard, "replay", "--policy", policy,
                                   "--events", a.cold, "--summary"])
    R["replay_small_maxrss_kib"] = maxrss


def machine(R):
    R["nproc"] = os.cpu_count()
    model = mhz = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "?":
                model = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and mhz == "?":
                mhz = line.split(":", 1)[1].strip()
    R["cpu"] = model
    R["mhz"] = mhz
    R["kernel"] = platform.release()
    R["load"] = os.getloadavg()
    with open("/proc/meminfo") as f:
        R["mem"] = f.readline().split(":")[1].strip()


def fmt_kib(k):
    return "%.2f MiB" % (k / 1024.0) if k is not None else "?"


def table(R):
    rows = []

    def row(fig, val, target, method):
        rows.append((fig, val, target, method))

    if "idle_syscalls_per_min" in R:
        sc = R["idle_syscalls_by_name"]
        which = ", ".join("%s %d" % kv for kv in sorted(sc.items())) or "none"
        row("Idle: syscalls", "%.1f /min (%d in %.0f s: %s)" %
            (R["idle_syscalls_per_min"], R["idle_syscalls"],
             R["idle_window_s"], which), "0",
            "`strace -f -tt -p PID` attached after start-up, entries counted "
            "in the window")
        row("Idle: wakeups", "%.1f /min (%d voluntary, %d involuntary; "
            "%d threads)" % (R["idle_wakeups_per_min"], R["idle_ctxt_vol"],
                            R["idle_ctxt_invol"], R["idle_threads"]), "0",
            "context switches summed over /proc/PID/task/*/status, same "
            "window")
        row("Memory: idle", "VmHWM %s, VmRSS %s (anon %s, PSS %s)" %
            (fmt_kib(R["idle_hwm_kib"]), fmt_kib(R["idle_rss_kib"]),
             fmt_kib(R["idle_anon_kib"]), fmt_kib(R["idle_pss_kib"])),
            "<= 2 MiB", "/proc/PID/status, smaps_rollup; policy 4 windows + "
            "4 blackouts, state with 20 runs")
        if "static_rss_kib" in R:
            row("Memory: idle, static link", "VmRSS %s (anon %s, PSS %s)" %
                (fmt_kib(R["static_rss_kib"]), fmt_kib(R["static_anon_kib"]),
                 fmt_kib(R["static_pss_kib"])), "<= 2 MiB",
                "the same agent linked with -static (glibc, libuv, libyaml, "
                "expat), as vssguard.exe is")
        row("Memory: after %d events" % R["ingest_events"],
            "VmHWM %s, VmRSS %s (anon %s, PSS %s); after %d: VmRSS %s (anon "
            "%s)" % (fmt_kib(R["big_hwm_kib"]), fmt_kib(R["big_rss_kib"]),
                     fmt_kib(R["big_anon_kib"]), fmt_kib(R["big_pss_kib"]),
                     a_cold_n(R), fmt_kib(R["cold_rss_kib"]),
                     fmt_kib(R["cold_anon_kib"])),
            "no growth", "export appended to the followed file; state file "
            "%d bytes after" % R["state_bytes"])
        if "pending_wakeups_per_min" in R:
            longest = ("longest epoll_wait timeout %.0f s" %
                       R["pending_sleep_s"] if R.get("pending_sleep_s") else
                       "epoll_wait without timeout (the timerfd wakes it)")
            row("Idle, reboot pending", "%.1f wakeups/min (%d in %.0f s); %s"
                % (R["pending_wakeups_per_min"], R["pending_wakeups"],
                   R["pending_window_s"], longest), "0",
                "agent started under `strace -f -e trace=epoll_wait` with "
                "60 runs counted, reboot scheduled for %s: context switches "
                "of its threads after the schedule, and the largest "
                "epoll_wait timeout" % R["pending_sched"])
        row("Reaction", "median %.1f ms, p90 %.1f ms, max %.1f ms (n=%d)" %
            (R["react_median_ms"], R["react_p90_ms"], R["react_max_ms"],
             R["react_n"]), "-",
            "one backup event appended (write), the agent's 'run counted' "
            "stderr line read from its pipe, time.monotonic()")
        row("Live ingest", "%.0f events/s (%.1f s wall, %.1f s CPU)" %
            (R["ingest_events"] / R["ingest_s"], R["ingest_s"],
             R["ingest_cpu_s"]), "-",
            "the export appended to the followed file, until the marker "
            "event after it is logged")
        row("Cold start", "%.0f ms to 'started'; %.2f s to the last of %d "
            "events (%.2f s CPU)" % (R["cold_started_ms"], R["cold_done_s"],
                                     a_cold_n(R), R["cold_cpu_s"]), "-",
            "`vssguard run` on an existing followed file, fresh state; "
            "stderr line times from the exec")
    if "pl_next_cpu_ns" in R:
        row("Planner: next slot", "%.2f us CPU (%.2f us wall)" %
            (R["pl_next_cpu_ns"] / 1e3, R["pl_next_wall_ns"] / 1e3), "-",
            "tests/bench/bench_planner: vg_plan_next_slot from %d instants "
            "an hour apart, 4 windows + 4 blackouts, median of 7"
            % R["pl_next_calls"])
        row("Planner: 10,000 slots", "%.2f ms CPU with vg_plan_slots; %.2f ms "
            "chained vg_plan_next_slot" % (R["pl_slots_cpu_ms"],
                                           R["pl_chained_cpu_ms"]), "-",
            "same program, one call listing 10,000 consecutive slots")
        row("Peer: 10,000 in a process", "vssguard windows %.1f ms CPU (%.1f "
            "wall); systemd-analyze %.1f ms CPU (%.1f wall): ratio %.2f" %
            (R["cli10k_cpu_ms"], R["cli10k_wall_ms"], R["sd10k_cpu_ms"],
             R["sd10k_wall_ms"], R["sd10k_cpu_ms"] / R["cli10k_cpu_ms"]),
            "-", "`vssguard windows --count 10000 --json` vs `systemd-analyze "
            "calendar --iterations=10000 '%s'`, both to /dev/null, median "
            "of %d" % (EXPR_4, R["repeat"]))
        sd_net = R["sd10k_cpu_ms"] - R["sd1_cpu_ms"]
        row("Peer: per slot", "vssguard %.2f us (library), %.2f us (CLI net "
            "of start-up); systemd-analyze %.2f us (net of start-up): ratio "
            "%.0f (library), %.1f (CLI)" %
            (R["pl_slots_cpu_ms"] / 10.0,
             (R["cli10k_cpu_ms"] - R["cli1_cpu_ms"]) / 10.0, sd_net / 10.0,
             sd_net / R["pl_slots_cpu_ms"],
             sd_net / max(1e-3, R["cli10k_cpu_ms"] - R["cli1_cpu_ms"])),
            "-", "10,000-iteration run minus 1-iteration run, CPU time")
        for name, ok, diff in R["agree"]:
            row("Agreement: first 100 starts", "%s (%s)" %
                ("agree" if ok else "DISAGREE: " + diff, name), "agree",
                "`vssguard windows --count 100 --json` starts vs "
                "systemd-analyze elapses after %s, UTC" % FROM_ISO)
    if "replay_wall_s" in R:
        row("Replay", "%.0f events/s wall (%.2f s), %.0f events/s CPU "
            "(%.2f s); peak RSS %s (%s for %d events); load average %.2f "
            "before, %.2f after" %
            (R["replay_events"] / R["replay_wall_s"], R["replay_wall_s"],
             R["replay_events"] / R["replay_cpu_s"], R["replay_cpu_s"],
             fmt_kib(R["replay_maxrss_kib"]),
             fmt_kib(R["replay_small_maxrss_kib"]), a_cold_n(R),
             R["replay_load"][0], R["replay_load"][1]),
            "500,000 events/s",
            "`vssguard replay --summary` over a %d-event "
            "scripts/gen-events export (%.0f MB), wait4 rusage (user + sys "
            "CPU); median of %d runs" %
            (R["replay_events"], R["big_mb"], R["replay_runs"]))
    if "size_linux" in R:
        row("Size: Linux", "%d bytes (%.0f KiB) stripped" %
            (R["size_linux"], R["size_linux"] / 1024), "-",
            "`strip` of the release binary; dynamic: %s" % R["linux_libs"])
    if "size_exe" in R:
        row("Size: vssguard.exe", "%d bytes (%.0f KiB) stripped" %
            (R["size_exe"], R["size_exe"] / 1024), "-",
            "static mingw-w64 release build; imports %s" % R["exe_dlls"])
    elif "size_exe_note" in R:
        row("Size: vssguard.exe", "not measured", "-", R["size_exe_note"])

    head = ("Figure", "Measured", "Target", "Method")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join(x.replace("|", "\\|") for x in r) + " |")
    return "\n".join(out)


def a_cold_n(R):
    return R.get("cold_events", 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vssguard", required=True)
    ap.add_argument("--planner", required=True)
    ap.add_argument("--rusage", required=True)
    ap.add_argument("--vssguard-static",
                    help="a statically linked build, for its idle RSS")
    ap.add_argument("--gen-events", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--cold-events", type=int, default=100000)
    ap.add_argument("--idle-seconds", type=float, default=60)
    ap.add_argument("--settle", type=float, default=2)
    ap.add_argument("--react", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--ingest-timeout", type=float, default=600)
    ap.add_argument("--size-linux", type=int)
    ap.add_argument("--linux-libs", default="")
    ap.add_argument("--size-exe", type=int)
    ap.add_argument("--exe-dlls", default="")
    ap.add_argument("--size-exe-note", default="")
    ap.add_argument("--json", help="write every figure here")
    ap.add_argument("--only", choices=["replay"],
                    help="measure this part only")
    a = ap.parse_args()
    global RUSAGE
    RUSAGE = a.rusage

    R = {"repeat": a.repeat, "cold_events": a.cold_events}
    machine(R)
    os.makedirs(a.work, exist_ok=True)

    a.big = os.path.join(a.work, "events-%d.xml" % a.events)
    a.cold = os.path.join(a.work, "events-%d.xml" % a.cold_events)
    for n, path in ((a.events, a.big), (a.cold_events, a.cold)):
        if not os.path.exists(path):
            log("generating %d events" % n)
            subprocess.run([sys.executable, a.gen_events, "--events", str(n),
                            "-o", path + ".tmp"], check=True,
                           stderr=subprocess.DEVNULL)
            os.rename(path + ".tmp", path)
    R["big_mb"] = os.path.getsize(a.big) / 1e6

    if a.only is None:
        log("planner and systemd-analyze")
        bench_planner(a, R, a.work)
    log("replay of %d events" % a.events)
    bench_replay(a, R, a.work)
    if a.only is None:
        log("agent: idle %.0f s, reaction, ingest, cold start" %
            a.idle_seconds)
        bench_agent(a, R, a.work)

    if a.size_linux:
        R["size_linux"] = a.size_linux
        R["linux_libs"] = a.linux_libs
    if a.size_exe:
        R["size_exe"] = a.size_exe
        R["exe_dlls"] = a.exe_dlls
    elif a.size_exe_note:
        R["size_exe_note"] = a.size_exe_note
    R["load_end"] = os.getloadavg()

    print("Machine: %d CPUs, %s (%s MHz), Linux %s, %s RAM; load average "
          "%.2f at start, %.2f at end" %
          (R["nproc"], R["cpu"], R["mhz"], R["kernel"], R["mem"],
           R["load"][0], R["load_end"][0]))
    print()
    print(table(R))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(R, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
