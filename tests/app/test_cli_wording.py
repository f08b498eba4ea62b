"""Small things `replay` says: singular for one, thousands separated, every option with help,
and `--version`. Real `replay` processes."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version

from replay_tools.generator import generate_session


def replay(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *map(str, argv)],
                          capture_output=True, text=True, timeout=300)


def test_version_is_the_installed_packages_and_names_the_compiled_modules():
    from recorder import compiled
    proc = replay("--version")
    first, second = proc.stdout.splitlines()
    assert proc.returncode == 0 and first == f"replay {version('session-replay')}"
    assert second == "compiled core: " + (", ".join(compiled()) or "none (pure Python)")


def test_one_segment_is_singular_and_big_numbers_are_separated(tmp_path):
    src = tmp_path / "g.json"
    src.write_text(json.dumps(list(generate_session(3000, duration_ms=45_000, seed=5))))
    data = tmp_path / "d"
    (sid,) = replay("--data", data, "import", src).stdout.split()
    bundle = tmp_path / "s.replay"
    proc = replay("--data", data, "export", sid, "-o", bundle)
    assert proc.returncode == 0
    n = int(re.search(r"\((\d+) segments?", proc.stderr).group(1))
    assert f"({n} segment{'' if n == 1 else 's'}" in proc.stderr, proc.stderr
    rules = tmp_path / "r.toml"
    rules.write_text('default = "mask"\n')
    proc = replay("--data", data, "mask", "--dry-run", "--rules", rules, sid)
    assert proc.returncode == 0
    numbers = re.findall(r"\d[\d,]*", proc.stdout.split("\t", 1)[1])
    big = [x for x in numbers if int(x.replace(",", "")) >= 1000]
    assert big and all(re.fullmatch(r"\d{1,3}(,\d{3})+", x) for x in big), proc.stdout
    one = tmp_path / "one.replay"
    proc = replay("--data", data, "mask", "--rules", rules, bundle, "-o", one)
    assert proc.returncode == 0 and re.search(r"\(1 segment\)|\(\d+ segments\)", proc.stdout)
    assert "(1 segments)" not in proc.stdout


def test_every_screenshot_option_has_help_and_generator_default_reads():
    out = replay("screenshot", "--help").stdout
    assert re.search(r"-o FILE\.png, --output FILE\.png\s+\S", out), out
    gen = subprocess.run([sys.executable, "-m", "replay_tools.generator", "--help"],
                         capture_output=True, text=True).stdout
    assert "(default default)" not in " ".join(gen.split())


def test_a_file_exported_with_other_rules_than_the_data_folders_says_so(tmp_path):
    """`--rules` on a file (not a stored session) masks it with those rules: looser than the
    data folder's, the output holds what the folder's mask - said in a note (a new user's
    tryout exported a typed value in clear with no word of it); the same rules say nothing -
    also once activated, when the folder's file says its revision (a privacy officer's tryout
    was told of other rules: the revision was compared too)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "rules.toml").write_text('revision = 3\ndefault = "mask"\n')
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(list(generate_session(300, duration_ms=3_000, seed=3))))
    lax = tmp_path / "lax.toml"
    lax.write_text('default = "allow"\ndetectors = []\n')
    same = tmp_path / "same.toml"
    same.write_text('default = "mask"\n')
    stricter = tmp_path / "stricter.toml"
    stricter.write_text('default = "mask"\n[[rule]]\nselector = "body"\nlevel = "hidden"\n')
    said = {}
    # `replay mask FILE --rules F -o OUT` said nothing at all ("wrote ... masked under F")
    for cmd in ("export", "mask"):
        for rules in (lax, same, stricter):
            proc = replay("--data", data, cmd, rec, "--rules", rules, "-o",
                          tmp_path / f"{rules.stem}.json", "--overwrite")
            assert proc.returncode == 0, proc.stderr
            said[cmd, rules.stem] = [ln for ln in proc.stderr.splitlines()
                                     if "note:" in ln or "warning:" in ln]
        # looser: a warning naming what they let through
        (line,) = said[cmd, "lax"]
        assert line.startswith(
            f"replay: warning: {rec} is masked by {lax}, which masks less than the data"
            f" folder's rules ({data / 'rules.toml'}): default level: mask -> allow;"
            " detector removed: email;") and line.endswith(
            " - what only those mask is in the output in clear"), line
        assert said[cmd, "same"] == []
        assert said[cmd, "stricter"] == [f"replay: note: {rec} is masked by {stricter}, not by"
                                         f" the data folder's rules ({data / 'rules.toml'})"]


def test_a_dry_run_names_a_rule_that_matched_no_element_in_any_session(tmp_path):
    """`mask --dry-run` with a misspelt selector (`.card-numbr`) counted what the other rules
    would change and said nothing of the rule that masks nothing (a privacy officer's tryout):
    a warning names it, for stored sessions and for a file alike; a rule that matched in one
    session of several is not named."""
    from recorder.paths import ASSETS
    demo = ASSETS / "demo" / "demo-session.json"
    data = tmp_path / "d"
    assert replay("--data", data, "import", demo).returncode == 0
    src = tmp_path / "g.json"
    src.write_text(json.dumps(list(generate_session(200, duration_ms=5_000, seed=5))))
    assert replay("--data", data, "import", src).returncode == 0
    rules = tmp_path / "r.toml"
    rules.write_text('[[rule]]\nselector = ".card-numbr"\nlevel = "hidden"\n'
                     '[[rule]]\nselector = "nav a, nav .lnik"\nlevel = "mask"\n')
    proc = replay("--data", data, "mask", "--dry-run", "--all", "--rules", rules)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ('replay: warning: rule ".card-numbr" (line 1) -> hidden matched no'
                           " element in any of the 2 sessions looked at, so it did nothing there"
                           " - is its selector spelt as the page's markup is, or is all it"
                           " names inside a hidden element (whose inside is never recorded)?\n"
                           'replay: warning: rule "nav a, nav .lnik" (line 4) -> mask: its part'
                           " nav .lnik matched no element in any of the 2 sessions looked at (the"
                           " rule's other parts did) - is its selector spelt as the page's markup"
                           " is, or is all it names inside a hidden element (whose inside is never"
                           " recorded)?\n")
    assert 'rule "nav a, nav .lnik" (line 4) -> mask:' in proc.stdout
    proc = replay("--data", data, "mask", "--dry-run", "--rules", rules, demo)
    assert proc.returncode == 0 and proc.stderr.count("\n") == 2 and \
        '".card-numbr" (line 1) -> hidden matched no element in the session' in proc.stderr
