"""First-run set-up with nothing but Python: a virtual environment in .venv with Sitrep's
dependencies, then the same command again inside it. Standard library only."""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "sitrep-installed"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _wanted(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest}:{extras}"


def ensure_environment(extras: str = "", argv: list[str] | None = None) -> None:
    """Re-executes the current command (or `python *argv`) inside .venv, creating or
    updating it first. Does nothing when already running there with dependencies installed."""
    python = _venv_python()
    inside = Path(sys.prefix).resolve() == VENV.resolve()
    wanted = _wanted(extras)
    installed = STAMP.read_text() if STAMP.exists() else ""
    if inside and wanted in installed.splitlines():
        return
    if not python.exists():
        print("Sitrep: creating .venv (first run only)…", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if wanted not in installed.splitlines():
        print("Sitrep: installing dependencies into .venv…", file=sys.stderr)
        target = f".[{extras}]" if extras else "."
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
            check=True,
            cwd=ROOT,
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT
        )
        lines = [
            line for line in installed.splitlines() if line.split(":")[0] == wanted.split(":")[0]
        ]
        STAMP.write_text("\n".join([*lines, wanted]) + "\n")
    if not inside:
        os.execv(str(python), [str(python), *(argv if argv is not None else sys.argv)])
