"""Helpers for the benchmarks: server subprocesses, memory readings, wrk, PDFs, statistics."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"


# --------------------------------------------------------------------------- statistics


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def mib(n: float) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any SIGNET_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    env.update(extra)
    return env


class Server:
    """A server subprocess on 127.0.0.1:``port``: started, awaited, stopped by its own pid."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        port: int,
        *,
        env: dict[str, str],
        cwd: Path,
        log_path: Path,
        health_path: str,
    ) -> None:
        self.name = name
        self.argv = argv
        self.port = port
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.health_path = health_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: io.BufferedWriter | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60.0) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        url = self.base_url + self.health_path
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(
            f"{self.name} did not answer {url} within {timeout} s:\n{self.log_tail()}"
        )

    def stop(self, grace: float = 10.0) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_lines(self) -> int:
        try:
            return len(self.log_path.read_bytes().splitlines())
        except OSError:
            return 0

    def __enter__(self) -> Server:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- memory


def proc_status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` field in KiB (VmRSS, VmHWM...)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss(pid: int) -> bool:
    """Reset the kernel's peak RSS (VmHWM) of ``pid`` to its current RSS; False if not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class PeakRss:
    """Peak RSS of ``pid`` over a ``with`` block, in bytes.

    The kernel's VmHWM (reset on entry through ``clear_refs``) is exact; a 5 ms VmRSS sampler
    runs alongside as a cross-check and as the fallback when the reset is not permitted.
    """

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.pid = pid
        self.interval = interval
        self.baseline = 0
        self.sampled_peak = 0
        self.hwm_peak: int | None = None
        self._reset_ok = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                self.sampled_peak = max(
                    self.sampled_peak, proc_status_kib(self.pid, "VmRSS") * 1024
                )
            self._stop.wait(self.interval)

    @property
    def peak(self) -> int:
        return max(self.sampled_peak, self.hwm_peak or 0)

    def __enter__(self) -> PeakRss:
        self.baseline = proc_status_kib(self.pid, "VmRSS") * 1024
        self._reset_ok = reset_peak_rss(self.pid)
        self.sampled_peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._reset_ok:
            self.hwm_peak = proc_status_kib(self.pid, "VmHWM") * 1024


# --------------------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    requests_per_s: float
    requests: int
    seconds: float
    errors: int
    non_2xx: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    raw: str


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        raise ValueError(value)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]
    return float(m.group(1)) * factor


def have_wrk() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url: str,
    *,
    duration_s: int,
    threads: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> WrkResult:
    wrk = have_wrk()
    if wrk is None:
        raise RuntimeError("wrk is not installed")
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError("wrk is only pointed at 127.0.0.1")
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    out = subprocess.run(
        argv, capture_output=True, text=True, timeout=duration_s + 30, check=True
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    if rps is None or total is None:
        raise RuntimeError(f"cannot parse wrk output:\n{out}")
    return WrkResult(
        requests_per_s=float(rps.group(1)),
        requests=int(total.group(1)),
        seconds=_ms(total.group(2) + total.group(3)) / 1000,
        errors=sum(int(g) for g in socket_errors.groups()) if socket_errors else 0,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        latency_p50_ms=_ms(p50.group(1)) if p50 else None,
        latency_p99_ms=_ms(p99.group(1)) if p99 else None,
        raw=out,
    )


# --------------------------------------------------------------------------- PDFs


def one_page_pdf(text: str = "Signet benchmark") -> bytes:
    """A small valid 1-page Letter PDF made with reportlab."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setFont("Helvetica", 14)
    c.drawString(72, 720, text)
    c.drawString(72, 700, "Please sign below.")
    c.showPage()
    c.save()
    return buf.getvalue()


def padded_pdf(total_size: int, seed: int) -> bytes:
    """A valid 1-page PDF of just under ``total_size`` bytes.

    A reportlab page plus one uncompressed stream of random bytes referenced from the catalog
    (so qpdf keeps it), saved with ``compress_streams=False``. ``seed`` varies the random bytes,
    so each file has a different SHA-256.
    """
    import random

    import pikepdf

    base = one_page_pdf(f"Signet benchmark, large file #{seed}")
    margin = 8192  # object headers, xref and trailer that the padding stream adds
    pad_len = total_size - len(base) - margin
    pad = random.Random(seed).randbytes(pad_len)
    with pikepdf.open(io.BytesIO(base)) as pdf:
        pdf.Root.BenchPadding = pdf.make_stream(pad)
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    data = out.getvalue()
    if len(data) > total_size:
        raise RuntimeError(f"padded PDF is {len(data)} bytes, over {total_size}")
    return data


def signet_bin() -> str:
    path = VENV_BIN / "signet"
    return str(path) if path.exists() else "signet"


def python_bin() -> str:
    path = VENV_BIN / "python"
    return str(path) if path.exists() else sys.executable
