"""The release id that every content cache key carries, so a deploy never serves markup or
representations cached by the code before it."""

import tomllib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _commit(base: Path) -> str:
    """The checked-out commit, read from .git without running git (absent in an image)."""
    git = base / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head.removeprefix("ref: ")
        loose = git / ref
        if loose.exists():
            return loose.read_text().strip()[:12]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0][:12]
    except OSError:
        pass
    return ""


def code_version(base: Path = BASE_DIR) -> str:
    """pyproject's version, plus the commit when the code is a git checkout: a deploy of a new
    commit is a new release even when nobody bumped the version."""
    with open(base / "pyproject.toml", "rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    commit = _commit(base)
    return f"{version}+{commit}" if commit else version
