"""A folder replaced whole: the old one stays on error, the fallback without an atomic
swap works, and what a killed write left behind is put right by the next one."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from crime_outcomes.errors import DiskError
from crime_outcomes.outputs import folders
from crime_outcomes.outputs.folders import recover, replacing_folder


def make(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.iterdir()}


@pytest.mark.parametrize("atomic", [True, False])
def test_the_new_folder_replaces_the_old_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, atomic: bool) -> None:
    if not atomic:
        monkeypatch.setattr(folders, "_exchange", lambda a, b: False)
    target = tmp_path / "kent"
    make(target, {"brief.md": "old", "stale.txt": "only in the old pack"})
    with replacing_folder(target, "the pack folder") as new:
        make(new, {"brief.md": "new"})
        assert contents(target) == {"brief.md": "old", "stale.txt": "only in the old pack"}  # untouched while writing
    assert contents(target) == {"brief.md": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kent"]


def test_an_error_while_writing_leaves_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "kent"
    make(target, {"brief.md": "old"})
    with pytest.raises(RuntimeError), replacing_folder(target, "the pack folder") as new:
        make(new, {"brief.md": "half"})
        raise RuntimeError("renderer failed")
    assert contents(target) == {"brief.md": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kent"]


def test_a_full_disk_is_reported_in_the_readers_words(tmp_path: Path) -> None:
    target = tmp_path / "kent"
    make(target, {"brief.md": "old"})
    with pytest.raises(DiskError) as err, replacing_folder(target, f"the pack folder {tmp_path}") as new:
        (new / "brief.md").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(err.value) == f"the disk holding the pack folder {tmp_path} is full: {target} was left as it was; free space and run again"
    assert err.value.exit_code == 4
    assert contents(target) == {"brief.md": "old"}


def test_recover_puts_back_a_folder_moved_aside_and_removes_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "kent"
    make(tmp_path / ".kent.old-123", {"brief.md": "old"})  # killed between the two renames
    make(tmp_path / ".kent.new-123", {"brief.md": "half"})
    recover(target)
    assert contents(target) == {"brief.md": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kent"]
    make(tmp_path / ".kent.old-456", {"brief.md": "older"})  # the new one did arrive: the aside copy goes
    recover(target)
    assert contents(target) == {"brief.md": "old"} and sorted(p.name for p in tmp_path.iterdir()) == ["kent"]
