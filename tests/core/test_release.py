"""The release id in every content cache key: the code's version, and its commit when known."""

from core import release
from core.caching import release_key


def _project(tmp_path, version: str = "1.2.3"):
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "p"\nversion = "{version}"\n')
    return tmp_path


def test_a_checkout_names_its_commit(tmp_path):
    base = _project(tmp_path)
    git = base / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text("0123456789abcdef0123456789abcdef01234567\n")
    assert release.code_version(base) == "1.2.3+0123456789ab"


def test_a_packed_branch_and_a_detached_head_are_read_too(tmp_path):
    base = _project(tmp_path)
    git = base / ".git"
    git.mkdir()
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text("# pack-refs\nfedcba9876543210fedc refs/heads/main\n")
    assert release.code_version(base) == "1.2.3+fedcba987654"
    (git / "HEAD").write_text("abcdefabcdefabcdef\n")
    assert release.code_version(base) == "1.2.3+abcdefabcdef"


def test_without_git_the_version_alone(tmp_path):
    assert release.code_version(_project(tmp_path, "2.0.0")) == "2.0.0"


def test_every_content_cache_key_names_the_release(settings):
    settings.RELEASE = "9.9.9+abc"
    assert release_key("scoreboard", 7, 3) == "plaudit:9.9.9+abc:scoreboard:7:3"
    settings.RELEASE = "9.9.10+def"
    assert release_key("scoreboard", 7, 3) != "plaudit:9.9.9+abc:scoreboard:7:3"
