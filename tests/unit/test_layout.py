"""The repository's top level holds exactly what the project promises, so a fresh clone stays tidy."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROMISED = {"app", "freeswitch", "scripts", "instance", "tests", "requirements.txt", "wsgi.py", "README.md"}
# The front-end manifest and lockfile, and the tool configuration.
ALSO_ALLOWED = {"package.json", "package-lock.json", "pyproject.toml"}
# Made by scripts/run and scripts/test, ignored by git.
GENERATED = {"node_modules", "test-artifacts", "__pycache__"}


def test_top_level_holds_only_the_promised_entries():
    """Hidden entries (.ci, .gitignore, an editor's folder) are not counted; .ci must be there."""
    visible = {entry.name for entry in ROOT.iterdir() if not entry.name.startswith(".")} - GENERATED
    assert visible >= PROMISED
    assert visible - PROMISED - ALSO_ALLOWED == set()
    assert (ROOT / ".ci" / "run").is_file()
