"""Privacy: masking rules enforced before anything reaches disk.

- `load_rules(path, data_dir)` / `Rules.default()` / `parse_rules(text)` - the rules file.
- `SessionMasker(rules).mask(events)` - the authoritative pass over the one mirror DOM;
  `masker_factory(rules)` is what `Store.ingest(masker_factory=...)` takes;
  `SessionMaskers(rules)` keeps live sessions' maskers (resumed from storage when needed).
- `levels` holds the whole precedence; `detectors` the PII pattern detectors.
- `audit`, `preview`, `remask`, `dryrun` - checking sessions, previewing rules, re-masking,
  and counting what a re-mask would change.
"""
from .detectors import KINDS as DETECTORS
from .levels import Level
from .masker import SessionMasker, SessionMaskers, mask_events, masker_factory
from .rules import RULES_FILENAME, ActiveRules, Rule, Rules, RulesError, load_rules, \
    parse_rules

__all__ = ["DETECTORS", "Level", "Rule", "Rules", "RulesError", "RULES_FILENAME", "SessionMasker",
           "SessionMaskers",
           "load_rules", "ActiveRules", "mask_events", "masker_factory", "parse_rules"]
