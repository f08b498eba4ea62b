"""The rules as rrweb's own recording options: the first of the two passes (DESIGN: rules are
applied in the page, so masked data never leaves the browser, and again by the recorder before
anything reaches disk - that pass, `SessionMasker`, is authoritative).

The page's pass follows `levels.py` as far as rrweb's options can say it, erring on the strict
side where they cannot:
1. the always-masked inputs (`levels.ALWAYS_MASKED_TYPES`, `autocomplete="cc-*"`) are masked
   whatever else is said;
2. hidden markup and `hidden` rules become rrweb blocks (the element keeps its size, nothing
   beneath it is recorded);
3. `mask` markup and rules mask text (rrweb's maskTextSelector) and inputs beneath them;
4. under a default of `mask-user-input` or stricter every input is masked, except inside an
   `allow` (markup or rule) - a nearer stricter claim inside it is left to the store's pass.
"""
from __future__ import annotations

from typing import Any

from .levels import ALWAYS_MASKED_TYPES, LEVEL_ATTRS, Level
from .rules import Rules

_CC_INPUTS = '[autocomplete^="cc-" i]'
_MARKUP_PREFIXES = ("replay-privacy-", "dd-privacy-")


def _markup(level: Level) -> list[str]:
    """CSS selectors of the markup that claims `level` (see levels.markup_level)."""
    out = [f'[{a}="{level.label}" i]' for a in LEVEL_ATTRS]
    out += [f".{p}{level.label}" for p in _MARKUP_PREFIXES]
    return out


def _selectors(rules: Rules, level: Level) -> list[str]:
    return [r.selector for r in rules.rules if r.level == level]


def rrweb_options(rules: Rules) -> dict[str, Any]:
    """rrweb.record options (plus the recording bridge's `maskInputSelector` /
    `allowInputSelector`, see assets/browser-recorder/bridge.js) for these rules. Selector
    options are lists: the bridge drops what the browser cannot parse and joins the rest."""
    hidden = [".rr-block"] + _markup(Level.HIDDEN) + _selectors(rules, Level.HIDDEN)
    masked = [".rr-mask"] + _markup(Level.MASK) + _selectors(rules, Level.MASK)
    allowed = _markup(Level.ALLOW) + _selectors(rules, Level.ALLOW)
    default = rules.default_level
    if default >= Level.HIDDEN:
        hidden.append("body")
    if default >= Level.MASK:
        masked.append("body")
    return {
        "maskInputOptions": {t: True for t in sorted(ALWAYS_MASKED_TYPES)},
        "maskInputSelector": [_CC_INPUTS] + masked,
        "allowInputSelector": allowed,
        "maskAllInputs": default >= Level.MASK_USER_INPUT,
        "maskTextSelector": masked,
        "blockSelector": hidden,
        "recordAfter": "DOMContentLoaded",
        # a value a script set is marked so (userTriggered: false): a bug's steps leave it out
        "userTriggeredOnInput": True,
    }
