"""The rules as rrweb's recording options (the page's pass; the store's pass is authoritative)."""
from __future__ import annotations

from recorder.privacy import Rules, parse_rules
from recorder.privacy.inpage import rrweb_options


def test_the_default_rules_mask_every_input_and_honour_markup():
    o = rrweb_options(Rules.default())
    assert o["maskAllInputs"] is True
    assert o["maskInputOptions"] == {"email": True, "hidden": True, "password": True, "tel": True}
    assert '[autocomplete^="cc-" i]' in o["maskInputSelector"]
    assert {".rr-block", ".replay-privacy-hidden", '[data-replay-privacy="hidden" i]',
            '[data-dd-privacy="hidden" i]'} <= set(o["blockSelector"])
    assert {".rr-mask", ".replay-privacy-mask"} <= set(o["maskTextSelector"])
    assert ".replay-privacy-allow" in o["allowInputSelector"]
    assert "body" not in o["maskTextSelector"] + o["blockSelector"]


def test_selector_rules_and_the_default_level_carry_over():
    rules = parse_rules('version = 1\ndefault = "allow"\n'
                        '[[rule]]\nselector = "#search"\nlevel = "allow"\n'
                        '[[rule]]\nselector = ".account"\nlevel = "mask"\n'
                        '[[rule]]\nselector = "#card-panel"\nlevel = "hidden"\n')
    o = rrweb_options(rules)
    assert o["maskAllInputs"] is False
    assert "#search" in o["allowInputSelector"]
    assert ".account" in o["maskTextSelector"] and ".account" in o["maskInputSelector"]
    assert "#card-panel" in o["blockSelector"]
    # a password is masked whatever the rules say
    assert o["maskInputOptions"]["password"] is True
    strict = rrweb_options(parse_rules('version = 1\ndefault = "mask"\n'))
    assert strict["maskAllInputs"] is True and "body" in strict["maskTextSelector"]
    assert "body" in rrweb_options(parse_rules('version = 1\ndefault = "hidden"\n'))["blockSelector"]
