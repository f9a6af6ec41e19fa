"""First-run set-up with nothing but Python: a virtual environment in .venv holding Sitrep's
pinned dependencies, then the same command again inside it. Standard library only."""

import hashlib
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "sitrep-installed"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _dependencies_digest() -> str:
    """Changes when the pinned dependencies change, not when tool settings do."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [project["dependencies"], project.get("optional-dependencies", {})]
    return hashlib.sha256(repr(wanted).encode()).hexdigest()[:16]


def _installed(digest: str) -> set[str]:
    """The extras installed for this pyproject.toml ("" is the base install)."""
    if not STAMP.exists():
        return set()
    pairs = (line.partition(" ") for line in STAMP.read_text().splitlines())
    return {extras for found, _, extras in pairs if found == digest}


def ensure_environment(extras: str = "", argv: list[str] | None = None) -> None:
    """Re-executes the current command (or `python *argv`) inside .venv, creating or
    updating it first. Does nothing when already running there with what it needs."""
    python = _venv_python()
    inside = Path(sys.prefix).resolve() == VENV.resolve()
    digest = _dependencies_digest()
    installed = _installed(digest)
    # Any install of this pyproject includes the base dependencies.
    ready = bool(installed) if not extras else extras in installed
    if inside and ready:
        return
    if not python.exists():
        print("Sitrep: creating .venv (first run only)…", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not ready:
        print("Sitrep: installing dependencies into .venv…", file=sys.stderr)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True, cwd=ROOT)
        subprocess.run([*pip, "-e", f".[{extras}]" if extras else "."], check=True, cwd=ROOT)
        STAMP.write_text("".join(f"{digest} {e}\n" for e in sorted(installed | {extras})))
    if not inside:
        os.execv(str(python), [str(python), *(argv if argv is not None else sys.argv)])
