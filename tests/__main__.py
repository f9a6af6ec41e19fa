"""`python -m tests`: the whole suite, setting up .venv with the test tools on first use."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bootstrap import ensure_environment

ensure_environment("dev", argv=["-m", "tests", *sys.argv[1:]])

import pytest  # noqa: E402

sys.exit(pytest.main(sys.argv[1:]))
