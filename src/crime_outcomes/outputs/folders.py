"""Writing a folder of files so that readers see the old folder or the new one, never half.

A pack written over an existing pack folder used to overwrite its files one by one: a
crash (or a full disk) part-way left a folder mixing two packs, with nothing to say so.
Now the new pack is written into a hidden folder beside the old one and the two are
swapped by one atomic rename (Linux ``renameat2(RENAME_EXCHANGE)``); where that call is
missing, the old folder is first renamed aside and put back by the next write if the
process died between the two renames.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crime_outcomes.errors import disk_error
from crime_outcomes.faults import crash_point

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (not Linux, old glibc, some filesystems)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in {38, 22, 95}:  # ENOSYS, EINVAL (flag unknown to the filesystem), EOPNOTSUPP
        return False
    raise OSError(code, os.strerror(code), str(b))


def _aside(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}")


def recover(target: Path) -> None:
    """Undo what a killed write left: put an old folder back if the new one never arrived,
    and remove leftover temporary folders."""
    leftovers = sorted(target.parent.glob(f".{target.name}.old-*"))
    if leftovers and not target.exists():
        os.replace(leftovers.pop(), target)
    for path in [*leftovers, *target.parent.glob(f".{target.name}.new-*")]:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def replacing_folder(target: Path, what: str) -> Iterator[Path]:
    """Yield an empty folder to write into; on success it becomes ``target`` in one step.

    On any error the new folder is removed and ``target`` is untouched; a full or
    read-only disk is reported in the reader's words, naming ``what`` is being written.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    new = _aside(target, "new")
    try:
        new.mkdir()
        crash_point("folder.writing")
        yield new
        crash_point("folder.written")
        if not target.exists():
            os.rename(new, target)
        elif _exchange(new, target):
            crash_point("folder.swapped")
            shutil.rmtree(new)  # now the old folder
        else:
            old = _aside(target, "old")
            os.rename(target, old)
            crash_point("folder.aside")
            os.rename(new, target)
            shutil.rmtree(old)
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise disk_error(exc, what, changed=f"{target} was left as it was") or exc from None
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
