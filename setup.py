"""Build hook: the hot loops of the import path compiled with Cython (pure-Python mode: the
modules stay plain Python, typed by the `.pxd` file beside each). Without Cython or a C
compiler the same modules run as Python (`optional`: a failed build is not an error)."""
from setuptools import Extension, setup

# each module with a `.pxd` beside it: compiled when Cython and a C compiler are at hand
CYTHON_MODULES = [
    "recorder/segments.py",
]

try:
    from Cython.Build import cythonize
except ImportError:   # a build without Cython: the modules run as Python
    ext_modules = []
else:
    ext_modules = cythonize(
        [Extension(path[:-3].replace("/", "."), [path], optional=True)
         for path in CYTHON_MODULES],
        compiler_directives={"language_level": 3, "binding": True}, quiet=True)

setup(ext_modules=ext_modules)
