"""The keyframe index is used by two threads at once (the UI seeks while an indexing
thread compresses checkpoints, or a worker's index is being loaded); its zstd contexts
must not be shared between them, or memory is corrupted (a crash, or a ZstdError
'Src size is incorrect' and a needless re-index)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_checkpoint_codec_is_safe_across_threads():
    # In a child process: before the fix this aborted the interpreter (free(): invalid size).
    code = textwrap.dedent("""
        import os, threading
        from player.checkpoint_codec import compress, decompress
        payloads = [os.urandom(200) * 5000 + bytes([i]) for i in range(6)]
        errors = []
        def run():
            for _ in range(15):
                for i, p in enumerate(payloads):
                    try:
                        if decompress(compress(p)) != p:
                            errors.append("wrong bytes")
                    except Exception as exc:
                        errors.append(repr(exc))
        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(len(errors), errors[:1])
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "0 []"
