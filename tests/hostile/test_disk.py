"""A full disk and a read-only disk, for real: small tmpfs mounts (CI runs as root).

Each gives the reader's message ("the disk holding ... is full: nothing was changed; free
space and run again"), exit code 4 and no traceback, and leaves the store, or the pack
folder, as it was.
"""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from corpus import valid_xlsx, write_csv  # noqa: E402
from test_crash_points import cli, state  # noqa: E402

from crime_outcomes.errors import EXIT_STORE, DiskError  # noqa: E402
from crime_outcomes.testing.workbooks import HEADERS_CURRENT, synthetic_rows  # noqa: E402


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A 6 MB tmpfs; skipped (with the reason) where mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    size = 6 << 20
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root, as in CI): {done.stderr.strip() or done.returncode}")
    try:
        yield mount, size
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.slow
def test_ingest_onto_a_full_disk_changes_nothing(small_disk: tuple[Path, int], tmp_path: Path) -> None:
    mount, _ = small_disk
    db = mount / "store.duckdb"
    assert cli(["ingest", str(valid_xlsx(tmp_path / "first.xlsx")), "--db", str(db)]).returncode == 0
    before = state(db)
    big = write_csv(tmp_path / "big.csv", [list(r) for r in synthetic_rows(60_000, 4, headers=HEADERS_CURRENT)])
    done = cli(["ingest", str(big), "--db", str(db)])
    assert done.returncode == EXIT_STORE, done.stdout + done.stderr
    assert f"the disk holding the store {db} is full: nothing was changed; free space and run again" in flat(done.stderr)
    assert "Traceback" not in done.stderr and "TransactionContext" not in done.stderr
    assert state(db) == before
    status = cli(["status", "--db", str(db)])
    assert status.returncode == 0 and "first.xlsx" in status.stdout


@pytest.mark.slow
def test_ingest_onto_read_only_media_changes_nothing(small_disk: tuple[Path, int], tmp_path: Path) -> None:
    mount, _ = small_disk
    db = mount / "store.duckdb"
    assert cli(["ingest", str(valid_xlsx(tmp_path / "first.xlsx")), "--db", str(db)]).returncode == 0
    before = state(db)
    assert subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True).returncode == 0
    done = cli(["ingest", str(valid_xlsx(tmp_path / "second.xlsx", data=None)), "--db", str(db)])
    assert done.returncode == EXIT_STORE, done.stdout + done.stderr
    assert f"the disk holding the store {db} is read-only: nothing was changed" in flat(done.stderr)
    assert "Traceback" not in done.stderr
    assert state(db) == before
    assert cli(["status", "--db", str(db)]).returncode == 0


@pytest.mark.slow
def test_a_pack_onto_a_full_disk_leaves_the_folder_as_it_was(small_disk: tuple[Path, int], tmp_path: Path) -> None:
    mount, size = small_disk
    out = mount / "packs"
    (out / "kent").mkdir(parents=True)
    (out / "kent" / "brief.md").write_text("the old pack\n")
    filler = mount / "filler"
    with filler.open("wb") as fh:  # leave ~300 KB: less than one pack needs
        fh.write(b"\0" * (size - (300 << 10)))
    done = cli(["pack", "--force", "Kent", "--out", str(out)])
    assert done.returncode == EXIT_STORE, done.stdout + done.stderr
    assert f"the disk holding the pack folder {out} is full: {out / 'kent'} was left as it was; free space and run again" in flat(
        done.stderr
    )
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["kent"]
    assert [p.name for p in (out / "kent").iterdir()] == ["brief.md"]
    assert (out / "kent" / "brief.md").read_text() == "the old pack\n"


def test_a_full_downloads_disk_is_reported_in_the_readers_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fetch and update: a write into the downloads folder that fails for want of space."""
    from types import SimpleNamespace

    from crime_outcomes.sources import download

    def full(*_args: object, **_kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(download, "download_file", full)
    with pytest.raises(DiskError) as err:
        download.download_all([SimpleNamespace(taken=True)], tmp_path, client=SimpleNamespace(close=lambda: None))  # type: ignore[list-item, arg-type]
    assert str(err.value) == (
        f"the disk holding the downloads folder {tmp_path} is full: the files downloaded before are kept and an unfinished one resumes next time; free space and run again"
    )
    assert err.value.exit_code == EXIT_STORE
    shutil.rmtree(tmp_path, ignore_errors=True)
