"""The compiled checkpoint loader against the pure-Python one (the same mirror.py run as
source): on a few hundred damaged dumps - bytes of the node stream changed, cut, inserted,
varints made long, strings and rare rows replaced - both load the same mirror or both
raise. The compiled one reads the stream in C (varints shifted in 64-bit registers, lists
indexed without bounds checks), where a difference is wrong data or a crash."""
import importlib.util
import random
from pathlib import Path

import pytest

from recorder import mirror as compiled
from recorder.format import decode_msgpack, encode_msgpack
from recorder.mirror import Mirror, Node

from test_mirror_checkpoint import page

pytestmark = pytest.mark.skipif(not compiled._COMPILED, reason="mirror runs as source here")


def pure_mirror():
    spec = importlib.util.spec_from_file_location(
        "recorder._mirror_as_source", Path(compiled.__file__).with_name("mirror.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not module._COMPILED
    return module


def outcome(module, blob: bytes):
    try:
        m = module.Mirror.load(blob)
    except Exception:   # which exception may differ (a C conversion's OverflowError ...)
        return "raised"
    return ([(k, n._dump()) for k, n in m.nodes.items()],
            (m.root, m.href, m.width, m.height, m.window_scroll, m.selection, m.focus,
             m.fonts, m.canvas, m.adopted, m.adopted_by, m.has_snapshot))


JUNK = [None, 0, -1, 2 ** 31, 2 ** 35, 2 ** 63, 2 ** 64 - 1, -2 ** 63, 1.5, "", "x", b"",
        [], {}, [1], True]


def mutated_stream(rnd: random.Random, stream: bytes) -> bytes:
    b = bytearray(stream)
    for _ in range(rnd.randint(1, 5)):
        op = rnd.random()
        if op < 0.3 and b:
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        elif op < 0.45 and b:
            del b[rnd.randrange(len(b)):]
        elif op < 0.75:   # continuation bytes then an end: varints of 1 to 10 bytes
            i = rnd.randrange(len(b) + 1)
            b[i:i] = bytes([rnd.randrange(128, 256) for _ in range(rnd.randint(0, 9))]
                           + [rnd.randrange(128)])
        else:
            b += b"\xff" * rnd.randint(1, 12) + bytes([rnd.randrange(128)])
    return bytes(b)


def test_compiled_and_pure_load_agree_on_damaged_dumps():
    pure = pure_mirror()
    m = page()
    m.nodes[12].value = "typed"
    m.nodes[0x7FFFFFFF] = Node(0x7FFFFFFF, 3, None, None, "x", 5)   # the largest plain id
    m.nodes[5].children.append(0x7FFFFFFF)
    top = decode_msgpack(m.dump())
    strings, stream, rare = top[10]
    rnd = random.Random(20261205)
    seen = {"raised": 0, "loaded": 0}
    for _ in range(400):
        s, st, r = strings, stream, rare
        c = rnd.random()
        if c < 0.7:
            st = mutated_stream(rnd, st)
        elif c < 0.8:
            s = list(s)
            s[rnd.randrange(len(s))] = rnd.choice(JUNK)
        elif c < 0.9:
            r = [rnd.choice([x, *JUNK]) for x in r]
        else:
            r = [x[:rnd.randrange(len(x) + 1)] for x in r]
        t = list(top)
        t[10] = [s, st, r]
        blob = encode_msgpack(t)
        a, b = outcome(compiled, blob), outcome(pure, blob)
        assert a == b, blob.hex()
        seen["raised" if a == "raised" else "loaded"] += 1
    assert seen["raised"] > 100 and seen["loaded"] > 20, seen
    # the whole dump loads the same both ways, the largest id as it was
    assert outcome(compiled, m.dump()) == outcome(pure, m.dump())
    assert Mirror.load(m.dump()).nodes[5].children[-1] == 0x7FFFFFFF


def test_a_varint_longer_than_the_dump_writes_raises():
    from recorder.mirror import VARINT_BYTES, _dump_nodes, _load_nodes, _varints

    strings, stream, rare = _dump_nodes(page().nodes)
    largest = (1 << 7 * VARINT_BYTES) - 1
    longest = _varints([largest])
    assert len(longest) == VARINT_BYTES
    for module in (compiled, pure_mirror()):
        # a sixth byte (2 ** 35): no value the dump writes needs it
        with pytest.raises(ValueError):
            module._load_nodes(strings, b"\x80" * VARINT_BYTES + b"\x01" + stream, rare)
        with pytest.raises(ValueError):
            module._varints([largest + 1])
    assert _load_nodes(strings, stream, rare).keys() == page().nodes.keys()
