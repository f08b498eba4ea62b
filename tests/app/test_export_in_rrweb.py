"""An rrweb JSON export, led by the `replay/session` marker that carries the session id,
plays in rrweb's own Replayer (from npm, in a real Chromium) exactly as the bare events do."""
from __future__ import annotations

import json

from app.cli import main
from replay_tools.browser_recorder import Eval, PageServer, WaitFor, record_page

# rrweb (injected by the harness as the global `rrweb`) replays the file into #root; the
# rebuilt document at 60 s is reported once it is there.
PAGE = """<!DOCTYPE html><html><body><div id="root"></div><script>
fetch(new URLSearchParams(location.search).get("f")).then(r => r.json()).then(events => {
  const replayer = new rrweb.Replayer(events, {root: document.getElementById("root")});
  replayer.pause(60000);
  const doc = replayer.iframe.contentDocument;
  window.replayed = {title: doc.title, text: doc.body ? doc.body.innerText : "",
                     nodes: doc.getElementsByTagName("*").length};
  const done = document.createElement("p");
  done.id = "done";
  done.textContent = "done";
  document.body.appendChild(done);
});
</script></body></html>"""


def test_an_export_with_its_session_marker_plays_in_rrweb(tmp_path, capsys, demo_events):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_events))
    data = tmp_path / "data"
    assert main(["--data", str(data), "import", str(src)]) == 0
    (sid,) = capsys.readouterr().out.split()
    site = tmp_path / "site"
    site.mkdir()
    assert main(["--data", str(data), "export", sid, "-o", str(site / "export.json")]) == 0
    exported = json.loads((site / "export.json").read_text())
    assert exported[0]["data"] == {"tag": "replay/session", "payload": {"id": sid}}
    (site / "bare.json").write_text(json.dumps(exported[1:]))
    (site / "play.html").write_text(PAGE)
    seen = {}
    with PageServer(site) as server:
        for name in ("export.json", "bare.json"):
            rec = record_page(server.url(f"play.html?f={name}"),
                              [WaitFor("#done"), Eval("window.replayed")])
            seen[name] = rec.eval_results[-1]
    assert seen["export.json"]["title"] == "demoit" and seen["export.json"]["nodes"] > 100
    assert seen["export.json"] == seen["bare.json"]
