"""The README's CLI reference is the commands' own --help (cog): regenerate it with
`cog -r README.md` when a command changes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_matches_the_commands_help():
    done = subprocess.run([sys.executable, "-m", "cogapp", "--check", "--diff", str(ROOT / "README.md")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("## ", 1)[0]
    blocks = head.split("```")[1::2]
    assert len(blocks) == 2
    assert "esco-graph build data/samples" in blocks[0] and "pytest" in blocks[1]


def test_exit_code_table_is_the_one_the_code_uses():
    import re

    import esco_graph.cli.errors as errors

    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", errors.__doc__, re.M)}
    used = {value for name, value in vars(errors).items() if name.startswith("EXIT_")} | {0}
    assert documented == used
