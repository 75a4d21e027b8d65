"""Whether a path given for an input file is a file that can be read, in words.

Readers ask this before they open anything: a pipe given as a file would block the
read for ever, and a loop of symbolic links is no missing file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["path_problem"]


def path_problem(path: Path) -> str | None:
    """Why `path` is not a regular file to read (None when it is)."""
    try:
        if path.is_file():
            return None
        if path.is_dir():
            return "this is a directory, not a file"
        if path.exists():
            return "this is not a regular file (a device, a pipe): give a file"
        if path.is_symlink():
            return "this is a symbolic link that leads nowhere"
    except OSError as exc:  # a loop of links, a name too long
        return f"cannot read the file: {exc.strerror or exc}"
    return "the file does not exist"
