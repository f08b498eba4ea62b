"""A data folder with many sessions, fast: for the session browser's benchmark and tests.

A few real sessions are generated (replay_tools.generator) and imported the normal way;
the rest are copies of their index rows (sessions, views, errors, words) with their own id, user,
application, first URL, start time and duration - what the browser lists and filters. The
copies have no segments of their own (they do not open in the player); copying rows, not
re-importing, writes 10,000 sessions in a second instead of minutes.

    fill_store(data_dir, 10_000)
"""
from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from recorder.store import INDEX_FILE, Store

from .generator import generate_session

APPS = ["shop-web", "shop-admin", "support-portal", "billing"]
PATHS = ["/", "/dashboard", "/checkout", "/checkout/payment", "/cart", "/search?q=lamp",
         "/account", "/account/orders", "/help/contact", "/reports/weekly", "/tasks",
         "/settings/profile", "/login", "/signup", "/product/desk-lamp", "/product/monitor-arm"]
FIRST = ["ada", "bob", "cy", "dee", "eve", "finn", "gus", "hana", "ivo", "jun", "kai", "lea"]
LAST = ["lovelace", "stone", "okafor", "tanaka", "rossi", "costa", "meyer", "novak"]
DAY_MS = 86_400_000
TABLES = ("sessions", "views", "errors", "words")


def fill_store(data_dir: Path, n: int, *, templates: int = 24, seed: int = 0,
               end_ms: int = 1_767_225_600_000) -> int:
    """Put `n` sessions into `data_dir` (created); returns how many the index holds."""
    rng = random.Random(seed)
    ids = []
    with Store.open(data_dir) as store:
        for k in range(min(templates, n)):
            events = list(generate_session(240, duration_ms=rng.randint(20, 900) * 1000,
                                           seed=seed * 1000 + k, start_ms=end_ms - 90 * DAY_MS))
            ids += store.ingest(events, application=rng.choice(APPS),
                                user={"id": f"t{k}", "email": f"template{k}@example.com"},
                                session_id=f"template-{k}")
    db = sqlite3.connect(str(Path(data_dir) / INDEX_FILE), isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        for table in TABLES:   # one session's rows at a time: whatever columns they have
            db.execute(f"CREATE TEMP TABLE copy_{table} AS SELECT * FROM {table} WHERE 0")
        for i in range(n - len(ids)):
            src = ids[i % len(ids)]
            sid = f"s{i:05d}-{rng.getrandbits(32):08x}"
            first, last = rng.choice(FIRST), rng.choice(LAST)
            start = end_ms - rng.random() * 90 * DAY_MS
            duration = rng.choice([rng.uniform(5, 60), rng.uniform(60, 900),
                                   rng.uniform(900, 4 * 3600)]) * 1000
            db.execute("INSERT INTO copy_sessions SELECT * FROM sessions WHERE id=?", (src,))
            db.execute("UPDATE copy_sessions SET id=?, application=?, user_id=?, user_name=?,"
                       " user_email=?, start_ms=?, end_ms=?, duration_ms=?, first_url=?,"
                       " frustration_count=? WHERE id=?",
                       (sid, rng.choice(APPS), f"u{rng.randrange(2000)}",
                        f"{first.title()} {last.title()}",
                        f"{first}.{last}{rng.randrange(99)}@example.com", start,
                        start + duration, duration,
                        "https://app.example" + rng.choice(PATHS),
                        rng.choice([0, 0, 0, 1, 3]), src))
            for table in TABLES[1:]:
                db.execute(f"INSERT INTO copy_{table} SELECT * FROM {table} WHERE session_id=?",
                           (src,))
                db.execute(f"UPDATE copy_{table} SET session_id=?", (sid,))
            for table in TABLES:
                db.execute(f"INSERT INTO {table} SELECT * FROM copy_{table}")
                db.execute(f"DELETE FROM copy_{table}")
        db.execute("COMMIT")
        return db.execute("SELECT count(*) FROM sessions").fetchone()[0]
    finally:
        db.close()
