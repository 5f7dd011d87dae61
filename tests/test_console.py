"""The console platform end to end, as a new user runs it: real subprocesses, a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["NEWSBOT_DATABASE__URL"] = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    return env


def _bot(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        cwd=ROOT, env=_env(tmp_path), timeout=90,
    )


@pytest.mark.parametrize(
    ("command", "lang", "expected"),
    [
        ("/agenda", None, "Cérémonie d’ouverture"),
        ("/agenda", "en", "Opening ceremony"),
        ("/participants Hammouchi", "en", "Abdellatif Hammouchi"),
        ("/resolution", "fr", "NEXUS"),
        ("/search cybercriminalite", "fr", "Convention"),
        ("/about", "en", "The sources disagree"),
    ],
)
def test_ask_prints_the_reply_and_exits_0(tmp_path: Path, command: str, lang: str | None, expected: str) -> None:
    out = _bot(tmp_path, "ask", command, *(["--lang", lang] if lang else []))
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout
    assert "<b>" not in out.stdout and "Traceback" not in out.stderr


def test_interactive_chat_from_a_pipe(tmp_path: Path) -> None:
    script = ("/agenda\n1\n/lang en\n/agenda cybercrime\n/search cybercriminalité\n\n/nonsense\n²\n"
              "/additem topics=cybercrime \\\nA title on its own line \\\nThe text below it.\n")
    out = _bot(tmp_path, "run", stdin=script)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Programme" in text and "Page 2/2" in text  # "1" pressed the Next button
    assert "Language: English" in text
    assert "Agenda (as planned): Cybercrime" in text  # run today: after the Assembly
    assert "Unknown command: /nonsense" in text
    assert "Draft #" in text and "A title on its own line" in text  # continued lines
    assert "Traceback" not in out.stderr


def test_migrate_and_seed_commands(tmp_path: Path) -> None:
    first = _bot(tmp_path, "migrate")
    assert first.returncode == 0 and "database at revision" in first.stdout
    seeded = _bot(tmp_path, "seed")
    assert seeded.returncode == 0 and "content loaded" in seeded.stdout
    again = _bot(tmp_path, "seed")
    assert again.returncode == 0 and "nothing changed" in again.stdout


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env["NEWSBOT_DATABASE__URL"] = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "/start"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=60)
    assert out.returncode == 1
    assert out.stderr.startswith("error:") and "Traceback" not in out.stderr


def test_alerts_of_the_console_chat_are_printed_in_it(tmp_path: Path) -> None:
    import threading
    import time

    seen: list[str] = []

    def wait_for(text: str, deadline: float) -> str:
        while time.monotonic() < deadline:
            for line in list(seen):
                if text in line:
                    return line
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never shown:\n{''.join(seen)[-2000:]}")

    with subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=_env(tmp_path),
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        out = proc.stdout
        reader = threading.Thread(target=lambda: seen.extend(iter(out.readline, "")), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        proc.stdin.write("/lang en\n/subscribe alerts\n/additem Test alert topics=cybercrime // Body.\n")
        proc.stdin.flush()
        item_id = wait_for("Draft #", deadline).split("Draft #", 1)[1].split()[0]
        proc.stdin.write(f"/publish {item_id} confirm\n")
        proc.stdin.flush()
        wait_for("[alert #1]", deadline)
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        reader.join(timeout=5)
    shown = "".join(seen)
    assert shown.split("[alert #1]", 1)[1].lstrip().startswith("Test alert")
