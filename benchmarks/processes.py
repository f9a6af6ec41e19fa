"""The processes under test and their databases: start, watch (/proc), stop; always stopped."""

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class StartupFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AppProcess:
    """A running app: its PID, where it listens, and what /proc says about it."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    startup_seconds: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mb(self) -> float:
        return proc_status_kb(self.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def log_problems(self) -> list[str]:
        """The lines the app logged at ERROR or above (a traceback's first line only)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if " ERROR " in line or " CRITICAL " in line]

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def proc_status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def wait_idle(pids: list[int], *, quiet: float = 0.4, timeout: float = 120.0) -> float:
    """Waits until these processes use under 5% of a core over `quiet` seconds, i.e. the work
    they do after acknowledging is finished. Returns the seconds waited."""
    started = time.monotonic()
    before = sum(cpu_seconds(pid) for pid in pids)
    while time.monotonic() - started < timeout:
        time.sleep(quiet)
        after = sum(cpu_seconds(pid) for pid in pids)
        if after - before < 0.05 * quiet:
            break
        before = after
    return time.monotonic() - started


@contextlib.contextmanager
def running_app(
    name: str, command: list[str], env: dict[str, str], workdir: Path, *, port: int, logs: Path
) -> Iterator[AppProcess]:
    """Starts `command` in `workdir`, logging to `logs/<name>.log`, waits for GET /healthz
    == 200, and stops it (SIGTERM, then SIGKILL) however the block ends."""
    log = logs / f"{name}.log"
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop it in order
        )
    app = AppProcess(name, process, port, log)
    try:
        _wait_healthy(app, timeout=60)
        app.startup_seconds = time.monotonic() - started
        yield app
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_healthy(app: AppProcess, timeout: float) -> None:
    url = f"http://127.0.0.1:{app.port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise StartupFailed(
                f"{app.name} exited with {app.process.returncode}:\n{app.log_tail()}"
            )
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.1)
    raise StartupFailed(f"{app.name}: no healthy /healthz after {timeout:.0f}s:\n{app.log_tail()}")


class DatabaseUnavailable(RuntimeError):
    pass


@contextlib.contextmanager
def postgres_schema(admin_url: str = POSTGRES_URL) -> Iterator[str]:
    """A fresh schema `bench_<random>` (dropped afterwards) and a URL whose connections use it."""
    admin = sa.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        raise DatabaseUnavailable(
            f"PostgreSQL is not reachable at {admin_url}: {error.orig}"
        ) from None
    try:
        yield f"{admin_url}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def app_environment(**settings: str) -> dict[str, str]:
    """The benchmark's environment without any Slack, Sitrep or database settings of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "SITREP_")) and key != "DATABASE_URL"
    }
    return env | settings


@contextlib.contextmanager
def profiled(pid: int, directory: Path | None, name: str) -> Iterator[None]:
    """With a directory, samples `pid` with py-spy for the block into `<name>.txt`
    (collapsed stacks: `frame;frame;… count` per line). py-spy must be installed."""
    if directory is None:
        yield
        return
    output = directory / f"{name}.txt"
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            *("record", "--pid", str(pid), "--rate", "250", "--format", "raw"),
            *("--output", str(output), "--threads", "--idle", "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(0.3)  # py-spy attaches
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            spy.wait(15)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()


@dataclass
class MachineMeter:
    """How busy the whole machine was while the benchmark ran, and how much of that was the
    benchmark itself (this process and its children; PostgreSQL counts as someone else)."""

    load_at_start: float = field(default_factory=lambda: os.getloadavg()[0])
    busy_at_start: float = field(default_factory=lambda: machine_busy_seconds())
    ours_at_start: float = field(default_factory=lambda: own_cpu_seconds())
    wall_at_start: float = field(default_factory=time.monotonic)

    def summary(self) -> str:
        """Call once every child has been waited for (their CPU is counted when reaped)."""
        wall = time.monotonic() - self.wall_at_start
        busy = machine_busy_seconds() - self.busy_at_start
        ours = own_cpu_seconds() - self.ours_at_start
        cpus = os.cpu_count() or 1
        return (
            f"machine: {cpus} CPUs, 1-minute load average {self.load_at_start:.1f} at the start;"
            f" {busy / (wall * cpus):.0%} busy during the run, {busy - ours:.0f} CPU-seconds"
            f" of it not this benchmark's processes (PostgreSQL, anything else running)"
        )


def machine_busy_seconds() -> float:
    """CPU time all processors have spent not idle since boot (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS


def own_cpu_seconds() -> float:
    """CPU time of this process and of its children that have been waited for."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
