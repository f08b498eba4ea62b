"""Test harnesses and workload generators: not shipped in the wheel.

- `generator`: deterministic synthetic sessions (and the hostile corpus) for tests and benchmarks.
- `browser_recorder`: real-browser recordings made by rrweb's own recorder from npm.
- `make_demo`: re-records the demo session in `assets/demo/`.
- `stored`: every byte a data folder holds (segments decompressed), searched for leaks.

Run from a checkout (the tests put the repository on `sys.path`).
"""
