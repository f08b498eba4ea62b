"""The compiled core: the hottest recorder modules, compiled by Cython when it is there.

Each module listed is ordinary Python (the `.py` file) with a `.pxd` file beside it that
declares C types for its classes and hot functions ("pure Python mode"). With Cython at build
time (pyproject's build requirements bring it), `pip install` compiles each into an extension
module beside its source; without Cython, or when a module does not compile, the same `.py`
runs as it is (`optional=True`: a build that fails only leaves that module pure Python).
`recorder.compiled()` tells which modules run compiled; REPLAY_PURE_PYTHON=1 runs the source.
Everything else about the package is in pyproject.toml.
"""
import os
from pathlib import Path

from setuptools import Extension, setup

CYTHON_MODULES = [
    "recorder.mirror",
    "recorder.privacy.levels",
    "recorder.privacy.masker",
    "recorder.segments",
]

# after Python's own flags (-g -O3), so these win: without debug information and at -O2 the
# four modules compile in 40% less time (levels.c: 12.1 -> 7.3 CPU-s)
COMPILE_ARGS = ["-g0", "-O2"]

try:
    from Cython.Build import cythonize
except ImportError:   # no Cython: the package runs as pure Python
    ext_modules = []
else:
    ext_modules = cythonize(
        [Extension(m, [str(Path(*m.split(".")).with_suffix(".py"))], optional=True,
                   extra_compile_args=COMPILE_ARGS)
         for m in CYTHON_MODULES],
        compiler_directives={"language_level": 3,
                             # types come from the .pxd files only: the modules' annotations
                             # are documentation (and `int` there admits any int)
                             "annotation_typing": False,
                             "boundscheck": False, "wraparound": True},
        quiet=True, nthreads=os.cpu_count() or 1)

# the C compiles side by side (each module is a few MB of C): install time is CI time
setup(ext_modules=ext_modules, options={"build_ext": {"parallel": os.cpu_count() or 1}})
