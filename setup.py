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
from setuptools.command.build_ext import build_ext

CYTHON_MODULES = [
    "recorder.jsonscan",
    "recorder.mirror",
    "recorder.privacy.levels",
    "recorder.privacy.masker",
    "recorder.privacy.masking",
    "recorder.privacy.runs",
    "recorder.schema_check",
    "recorder.segments",
]

# after Python's own flags (-g -O3), so these win: without debug information and at -O2 the
# four modules compile in 40% less time (levels.c: 12.1 -> 7.3 CPU-s); -O1 halves it again
# (masker.c: 15.8 -> 8.4 CPU-s) and the import runs no slower (13,125 events per CPU-second
# at -O2, 13,081 at -O1 - this machine's noise), but a seek's node table loads 3-6% slower:
# the mirror, which a seek runs, keeps -O2. The install compiles these on CI's clock.
COMPILE_ARGS = ["-g0", "-O1"]
SEEK_COMPILE_ARGS = ["-g0", "-O2"]
SEEK_MODULES = {"recorder.mirror"}

try:
    from Cython.Build import cythonize
except ImportError:   # no Cython: the package runs as pure Python
    ext_modules = []
else:
    ext_modules = cythonize(
        [Extension(m, [str(Path(*m.split(".")).with_suffix(".py"))], optional=True,
                   extra_compile_args=SEEK_COMPILE_ARGS if m in SEEK_MODULES else COMPILE_ARGS)
         for m in CYTHON_MODULES],
        compiler_directives={"language_level": 3,
                             # types come from the .pxd files only: the modules' annotations
                             # are documentation (and `int` there admits any int)
                             "annotation_typing": False,
                             "boundscheck": False, "wraparound": True},
        quiet=True, nthreads=os.cpu_count() or 1)



class BuildExt(build_ext):
    """A regular build (`pip wheel .`, `pip install .`) takes a module the editable install
    already compiled beside its source when that file is newer than its C and this file
    (distutils' own rule for its build folder, applied to the checkout): CI's editable install
    compiles the core, and the wheel test's build of the same checkout packs those modules
    instead of compiling them again. An editable install always compiles."""

    def build_extension(self, ext: Extension) -> None:
        built = Path(*ext.name.split(".")[:-1], Path(self.get_ext_filename(ext.name)).name)
        if not self.editable_mode and _newer_than_all(built, [*ext.sources, __file__]):
            target = Path(self.get_ext_fullpath(ext.name))
            self.mkpath(str(target.parent))
            self.copy_file(str(built), str(target))
            return
        super().build_extension(ext)


def _newer_than_all(target: Path, sources: list[str]) -> bool:
    if not target.exists():
        return False
    mtime = target.stat().st_mtime
    return all(os.path.exists(s) and os.path.getmtime(s) < mtime for s in sources)


# the C compiles side by side (each module is a few MB of C): install time is CI time
setup(ext_modules=ext_modules, cmdclass={"build_ext": BuildExt},
      options={"build_ext": {"parallel": os.cpu_count() or 1}})
