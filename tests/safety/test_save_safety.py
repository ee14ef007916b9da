"""The workbook file is never lost, raced or half-written (issue 18, items 1, 2, 3, 6, 14).

Real processes for the lock; the save-window race and the crashes are made deterministic with
``files.save_hook``, called at each step of a save (``files.SAVE_STEPS``).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.book.builders import read_sheet
from xlar.book import files
from xlar.book.commands import run_file
from xlar.book.files import BookError

ROOT = Path(__file__).resolve().parents[2]


def _runs(p: Path) -> list[int]:
    return [int(r["Run"]) for r in read_sheet(p, "RunLog")]


def _leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(".~xlar-"))


def _hooked(monkeypatch, at: str, action) -> None:
    def hook(step: str, target: Path) -> None:
        if step == at:
            action(target)
    monkeypatch.setattr(files, "save_hook", hook)


# --------------------------------------------------------------------------- 1. one run at a time

_SLOW_RUN = """
import sys, time
from pathlib import Path
from xlar.book import files
from xlar.book.commands import run_file
flag = Path(sys.argv[2])
def hook(step, target):
    if step == "checked":
        flag.write_text("holding the lock")
        time.sleep(float(sys.argv[3]))
files.save_hook = hook
print(run_file(Path(sys.argv[1]), "post").exit_code)
"""


def _second(p: Path, wait: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XLAR_LOCK_WAIT=wait, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "xlar.cli", "check", str(p)], capture_output=True, text=True, check=False,
                          env=env, cwd=ROOT, timeout=60)


def _start_slow(p: Path, tmp_path: Path, seconds: float) -> subprocess.Popen[str]:
    flag = tmp_path / "flag"
    first = subprocess.Popen([sys.executable, "-c", _SLOW_RUN, str(p), str(flag), str(seconds)],
                             env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not flag.exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return first


def test_a_second_run_waits_for_the_first_and_sees_its_changes(make_book, tmp_path):
    p = make_book()
    first = _start_slow(p, tmp_path, 1.0)
    second = _second(p, "30")  # starts while the first holds the lock, mid-save
    out, err = first.communicate(timeout=60)
    assert out.strip() == "0", err
    assert second.returncode == 0, second.stderr
    # without the lock both read the same book and the second run's save dropped the first's posting
    assert _runs(p) == [1, 2]
    assert [r["Status"] for r in read_sheet(p, "Journal")] == ["Posted"]
    assert len(read_sheet(p, "Ledger")) == 3


def test_a_second_run_that_waits_too_long_is_refused_and_changes_nothing(make_book, tmp_path):
    p = make_book()
    first = _start_slow(p, tmp_path, 2.5)
    second = _second(p, "0.3")
    first.communicate(timeout=60)
    assert second.returncode == 1
    assert "being changed by another xlar run" in second.stderr and "waited 0.3 s" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert _runs(p) == [1]  # the first run's save is the book


# --------------------------------------------------------------------------- 2. another program saves meanwhile

def _excel_saves(target: Path) -> None:
    """Another program saves the book its own way: a new file renamed over it."""
    import openpyxl
    wb = openpyxl.load_workbook(target)
    wb["Journal"]["H2"] = "typed in Excel"
    tmp = target.with_name("excel-tmp.xlsx")
    wb.save(tmp)
    os.replace(tmp, target)


@pytest.mark.parametrize("at", ["temp-written", "backup-rotated"])
def test_another_program_saving_during_the_save_window_is_not_overwritten(make_book, monkeypatch, at):
    p = make_book()
    run_file(p, "check")  # a first run: there is a .bak to keep
    bak_before = files.backup_path(p).read_bytes()
    saved = {}

    def save_meanwhile(target: Path) -> None:
        _excel_saves(target)
        saved["bytes"] = target.read_bytes()

    _hooked(monkeypatch, at, save_meanwhile)
    with pytest.raises(BookError, match="saved by another program while xlar was saving"):
        run_file(p, "post")
    assert p.read_bytes() == saved["bytes"]  # the other program's save is the book
    assert read_sheet(p, "Journal")[0]["Status"] in (None, "")
    if at == "temp-written":  # refused before any backup moved
        assert files.backup_path(p).read_bytes() == bak_before
    assert not _leftovers(p.parent)


def test_an_in_place_write_by_another_program_is_seen_too(make_book, monkeypatch):
    p = make_book()

    def rewrite_in_place(target: Path) -> None:
        data = target.read_bytes()
        with open(target, "r+b") as f:  # same inode, same size: only the times differ
            f.write(data)

    _hooked(monkeypatch, "backup-rotated", rewrite_in_place)
    with pytest.raises(BookError, match="saved by another program"):
        run_file(p, "post")


def test_backups_keep_three_generations(make_book):
    p = make_book()
    versions = [p.read_bytes()]
    for _ in range(4):
        run_file(p, "check")
        versions.append(p.read_bytes())
    assert files.backup_path(p).read_bytes() == versions[3]
    assert files.backup_path(p, 2).read_bytes() == versions[2]
    assert files.backup_path(p, 3).read_bytes() == versions[1]
    assert not files.backup_path(p, 4).exists()
    assert _runs(p) == [1, 2, 3, 4]


def test_a_bak_that_is_a_folder_gets_a_clear_message(make_book):
    p = make_book()
    before = p.read_bytes()
    files.backup_path(p).mkdir()
    with pytest.raises(BookError, match=r"book.xlsx.bak is a folder; .* Move or rename the folder"):
        run_file(p, "post")
    assert p.read_bytes() == before


# --------------------------------------------------------------------------- 3. links

def test_a_symlinked_book_is_written_through_to_its_target(make_book, tmp_path):
    real = make_book()
    link = tmp_path / "shortcut.xlsx"
    link.symlink_to(real)
    assert run_file(link, "post").exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert [r["Status"] for r in read_sheet(real, "Journal")] == ["Posted"]
    assert files.backup_path(real).exists()
    # the real file is the posted one: posting it again posts nothing a second time
    run_file(real, "post")
    assert len(read_sheet(real, "Ledger")) == 3


def test_a_hard_linked_book_keeps_its_inode(make_book, tmp_path):
    p = make_book()
    other = tmp_path / "other-name.xlsx"
    os.link(p, other)
    ino = os.stat(p).st_ino
    before = p.read_bytes()
    assert run_file(p, "post").exit_code == 0
    assert os.stat(p).st_ino == ino and os.stat(p).st_nlink == 2
    assert other.read_bytes() == p.read_bytes() != before
    assert [r["Status"] for r in read_sheet(other, "Journal")] == ["Posted"]
    assert files.backup_path(p).read_bytes() == before
    assert not _leftovers(tmp_path)


# --------------------------------------------------------------------------- 6. mode, owner, fsync

def test_mode_and_owner_are_kept(make_book):
    p = make_book()
    os.chmod(p, 0o664)
    owner = None
    if os.geteuid() == 0:  # only root may give a file away; the group is kept either way
        owner = (4242, 4343)
        os.chown(p, *owner)
    run_file(p, "post")
    st = os.stat(p)
    assert stat.S_IMODE(st.st_mode) == 0o664
    if owner:
        assert (st.st_uid, st.st_gid) == owner


def test_a_new_out_file_gets_the_usual_mode_not_0600(make_book, tmp_path):
    p = make_book()
    mask = os.umask(0o022)
    try:
        run_file(p, "post", out=tmp_path / "copy.xlsx")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "copy.xlsx").st_mode) == 0o644


def test_the_file_and_the_folder_are_fsynced(make_book, monkeypatch):
    p = make_book()
    synced: list[str] = []
    real = os.fsync

    def record(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(files.os, "fsync", record)
    run_file(p, "post")
    names = [Path(s).name for s in synced if s != "dir"]
    assert any(n.startswith(".~xlar-tmp.book.xlsx.") and n.endswith(".xlsx") for n in names)  # the new file
    assert any(n.endswith(".bak") for n in names)  # the backup copy
    assert synced.count("dir") >= 2  # after the backup's rename and after the replace


# --------------------------------------------------------------------------- 14. --out

def test_out_naming_the_book_itself_is_an_in_place_run(make_book, tmp_path):
    p = make_book()
    before = p.read_bytes()
    o = run_file(p, "post", out=tmp_path / "." / "book.xlsx")
    assert o.exit_code == 0
    assert files.backup_path(p).read_bytes() == before


def test_out_never_overwrites_another_workbook_without_force(make_book, tmp_path):
    p = make_book()
    other = make_book("other.xlsx")
    kept = other.read_bytes()
    with pytest.raises(BookError, match="exists and is another workbook; use --force") as e:
        run_file(p, "post", out=other)
    assert e.value.exit_code == 2 and other.read_bytes() == kept
    assert run_file(p, "post", out=other, force=True).exit_code == 0
    assert [r["Status"] for r in read_sheet(other, "Journal")] == ["Posted"]


@pytest.mark.parametrize(("book", "out"), [("m.xlsm", "m.xlsx"), ("m.xlsx", "m.xlsm"), ("m.xlsx", "m.txt")])
def test_out_with_another_kind_of_package_is_refused(make_book, tmp_path, book, out):
    p = make_book(book)
    with pytest.raises(BookError, match="--out") as e:
        run_file(p, "post", out=tmp_path / out)
    assert e.value.exit_code == 2 and not (tmp_path / out).exists()


def test_cli_out_force(make_book, tmp_path):
    p = make_book()
    other = make_book("other.xlsx")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "xlar.cli", "post", str(p), "--out", str(other)],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False)
    assert r.returncode == 2 and "use --force" in r.stderr
    r = subprocess.run([sys.executable, "-m", "xlar.cli", "post", str(p), "--out", str(other), "--force"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False)
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------- fault injection: a kill at each step

def _killed_at(p: Path, step: str) -> int:
    """Run ``post`` on ``p`` in a forked child that SIGKILLs itself at ``step``; the child's status."""
    pid = os.fork()
    if pid == 0:  # the child: no pytest teardown, no atexit; it dies exactly at the step
        try:
            files.save_hook = lambda s, t: os.kill(os.getpid(), signal.SIGKILL) if s == step else None
            run_file(p, "post")
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def _is_posted(p: Path) -> bool:
    with zipfile.ZipFile(p) as z:
        assert z.testzip() is None
    return [r["Status"] for r in read_sheet(p, "Journal")] == ["Posted"]


@pytest.mark.parametrize("linked", [False, True], ids=["plain", "hard-linked"])
def test_a_kill_at_every_step_of_the_save_leaves_the_old_or_the_new_book(make_book, tmp_path, linked):
    steps = [s for s in files.SAVE_STEPS if linked or s not in ("journal-written", "copying")]
    for step in steps:
        folder = tmp_path / step
        folder.mkdir()
        p = folder / "book.xlsx"
        p.write_bytes(make_book().read_bytes())
        if linked:
            os.link(p, folder / "link.xlsx")
        before = p.read_bytes()
        status = _killed_at(p, step)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, step
        if not (linked and step == "copying"):  # a torn copy in place is finished by the next run
            assert p.read_bytes() == before or _is_posted(p), step
        # the next run tidies up (and finishes an interrupted in-place copy) before reading
        run_file(p, "check")
        assert _leftovers(folder) == [], step
        done = step in ("replaced", "folder-synced") or (linked and step in ("journal-written", "copying"))
        assert _is_posted(p) == done, step
        if linked:
            assert (folder / "link.xlsx").read_bytes() == p.read_bytes()
