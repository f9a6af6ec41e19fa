"""The runbook library's Markdown files, read once at start-up."""

from pathlib import Path

from bot.config import Policy
from bot.errors import ConfigError


def runbooks_folder(policy: Policy, policy_file: Path | None) -> Path:
    """`runbooks_folder`, relative to the policy file's folder (or the working directory)."""
    base = policy_file.parent if policy_file is not None else Path()
    return base / policy.runbooks_folder


def read_runbooks(policy: Policy, folder: Path) -> dict[str, str]:
    """Each file runbook's Markdown by its `file`; raises ConfigError naming the runbook
    whose file is missing or unreadable."""
    texts: dict[str, str] = {}
    for i, runbook in enumerate(policy.runbooks):
        if runbook.file is None:
            continue
        path = folder / runbook.file
        try:
            texts[runbook.file] = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"runbooks.{i}.file: no such file {path}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"runbooks.{i}.file: can't read {path}: {error}") from None
    return texts
