"""The recorder: the rrweb format, the mirror DOM, the privacy pass and the segment store.

Its hottest modules form the compiled core: each is plain Python with a `.pxd` file of C
types beside it, compiled by Cython when the package is built (setup.py lists them).
`compiled()` names those running compiled. With the environment variable
REPLAY_PURE_PYTHON=1 (set before the first import) every module runs from its `.py` source
even where a compiled one sits beside it: the reference the compiled core is tested against.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
from pathlib import Path

PURE_PYTHON_ENV = "REPLAY_PURE_PYTHON"
_HERE = Path(__file__).resolve().parent


def _source_first():
    """A finder of this package's modules as their `.py` source, before the default finder
    would pick an extension module of the same name (made only when REPLAY_PURE_PYTHON asks:
    importlib.abc would cost every other start ~10 ms)."""
    import importlib.abc
    import importlib.util

    class _SourceFirst(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if not name.startswith(__name__ + ".") or not path:
                return None
            leaf = name.rpartition(".")[2] + ".py"
            for folder in path:
                source = os.path.join(folder, leaf)
                if os.path.isfile(source):
                    return importlib.util.spec_from_file_location(name, source)
            return None

    return _SourceFirst()


if os.environ.get(PURE_PYTHON_ENV) == "1":
    sys.meta_path.insert(0, _source_first())


def compiled() -> list[str]:
    """The modules of this package that run compiled in this process (dotted names, sorted):
    those built beside their source, imported here, and loaded from the extension module."""
    names = set()
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        for ext in _HERE.rglob("*" + suffix):
            if ext.with_name(ext.name[: -len(suffix)] + ".py").is_file():
                rel = ext.relative_to(_HERE.parent)
                names.add(".".join((*rel.parts[:-1], rel.name[: -len(suffix)])))
    return sorted(n for n in names if isinstance(
        importlib.import_module(n).__spec__.loader, importlib.machinery.ExtensionFileLoader))
