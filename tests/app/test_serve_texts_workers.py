"""Long texts named by digest across `replay serve`'s worker processes: a page names the
stylesheets earlier pages sent whole, each request on a connection of its own, so the
workers share the session; a worker that did not see a text finds it in what the session
stored (newest segment first) and every page is stored with its texts whole."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from recorder.intake import compact
from recorder.store import Store
from replay_tools.intake import IntakeServer, post_batch

sys.path.insert(0, str(Path(__file__).parents[1] / "recorder"))
from test_intake_texts import CSS, _body, _css_texts, _page  # noqa: E402

PAGES = 10


def test_pages_naming_earlier_texts_are_stored_whole_whichever_worker_answers(tmp_path):
    srv = IntakeServer(tmp_path / "data", workers=2)
    shop = srv.create_app("shop")
    texts = [CSS, CSS.replace("color", "background")]
    t0 = int(time.time() * 1000) - 60_000
    expected = []
    with srv:
        for k in range(PAGES):
            css = texts[k % 2]
            # the first two pages send their text whole, the later ones name it
            form = {"text": css, "id": compact.text_digest(css)} if k < 2 else \
                {"ref": compact.text_digest(css)}
            body = _body("visit", f"p{k}.0", _page(t0 + 1000 * k, f"https://shop.test/{k}", css),
                         form, css)
            assert post_batch(srv.url, *shop, None, raw=body) == (202, {"accepted": 2})
            expected.append(css)
    with Store.open(srv.data) as store:
        with store.session("visit") as reader:
            assert reader.info.segment_count == PAGES and not reader.damaged
            pages = [e for e in reader.events() if e["type"] == 2]
    assert [_css_texts([page]) for page in pages] == [[css] for css in expected]
