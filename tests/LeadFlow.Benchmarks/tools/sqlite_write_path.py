# What LeadFlow's write path costs SQLite alone, per schema and setting: N interactions with random GUID event ids over
# 50,000 contacts, each with its inbox row, in transactions of B events, WAL, synchronous=FULL, foreign keys on.
# Python's sqlite3 with executemany, so the figures are SQLite's work plus a small constant per row; compare variants
# with each other, not with the server.
#
# Usage: python3 tests/LeadFlow.Benchmarks/tools/sqlite_write_path.py [options]   (see --help)
import argparse, hashlib, os, random, sqlite3, struct, tempfile, threading, time, uuid

p = argparse.ArgumentParser()
p.add_argument("--events", type=int, default=1_000_000)
p.add_argument("--batch", type=int, default=10_000)
p.add_argument("--key", choices=["unique", "hash", "hashprobe", "hashuniq", "none"], default="unique",
               help="unique: UNIQUE (source, event_id) as today; hash: 64-bit hash column, non-unique index, exact NOT EXISTS check in the INSERT; "
                    "hashprobe: the same index, checked by one query for the whole batch (json_each join) before a plain INSERT; "
                    "hashuniq: hash column with a UNIQUE index (no collision handling, for comparison); none: no idempotency key")
p.add_argument("--contact-index", choices=["narrow", "none"], default="narrow")
p.add_argument("--fk", choices=["on", "off"], default="on", help="foreign keys declared and enforced (interactions->contacts, inbox->interactions)")
p.add_argument("--inbox", choices=["current", "noautoinc", "noindex", "none"], default="current",
               help="current: AUTOINCREMENT id + interaction_id index (FK); noautoinc: plain INTEGER PRIMARY KEY; noindex: no interaction_id index/FK")
p.add_argument("--autoinc", choices=["on", "off"], default="on", help="AUTOINCREMENT on interactions.id")
p.add_argument("--page-size", type=int, default=4096)
p.add_argument("--cache-mb", type=int, default=64)
p.add_argument("--label", default="")
p.add_argument("--checkpoint", choices=["background", "off"], default="background",
               help="off: no checkpoints at all, so that the log's growth per commit (the bytes each commit writes and syncs) can be reported")
a = p.parse_args()

random.seed(1)
path = os.path.join(tempfile.gettempdir(), f"leadflow-write-path-{os.getpid()}.db")
def remove():
    for suffix in ("", "-wal", "-shm"):
        try: os.remove(path + suffix)
        except FileNotFoundError: pass
remove()
db = sqlite3.connect(path, isolation_level=None)
db.execute(f"PRAGMA page_size={a.page_size}")
db.execute("PRAGMA journal_mode=WAL")
for pragma in ("synchronous=FULL", f"cache_size=-{a.cache_mb * 1024}", "temp_store=MEMORY", "foreign_keys=ON", "wal_autocheckpoint=0"):
    db.execute("PRAGMA " + pragma)
db.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT UNIQUE)")
db.execute("BEGIN")
db.executemany("INSERT INTO contacts (email) VALUES (?)", [(f"c{i}@x.com",) for i in range(50_000)])
db.execute("COMMIT")

fk = a.fk == "on"
autoinc = " AUTOINCREMENT" if a.autoinc == "on" else ""
hashed = a.key in ("hash", "hashprobe", "hashuniq")
db.execute(f"""CREATE TABLE interactions (id INTEGER PRIMARY KEY{autoinc}, source TEXT NOT NULL, event_id TEXT NOT NULL,
    {'event_hash INTEGER NOT NULL,' if hashed else ''}
    contact_id INTEGER NOT NULL{' REFERENCES contacts(id) ON DELETE CASCADE' if fk else ''}, type TEXT NOT NULL, channel TEXT, campaign TEXT,
    asset TEXT, url TEXT, occurred_at TEXT NOT NULL, received_at TEXT NOT NULL, properties TEXT)""")
if a.key == "unique": db.execute("CREATE UNIQUE INDEX ux ON interactions (source, event_id)")
if a.key in ("hash", "hashprobe"): db.execute("CREATE INDEX ix_hash ON interactions (event_hash)")
if a.key == "hashuniq": db.execute("CREATE UNIQUE INDEX ux_hash ON interactions (event_hash)")
if a.contact_index == "narrow": db.execute("CREATE INDEX ix_contact ON interactions (contact_id)")
if a.inbox != "none":
    inbox_autoinc = "" if a.inbox == "noautoinc" else " AUTOINCREMENT"
    inbox_fk = " REFERENCES interactions(id) ON DELETE CASCADE" if fk and a.inbox != "noindex" else ""
    db.execute(f"CREATE TABLE inbox (id INTEGER PRIMARY KEY{inbox_autoinc}, interaction_id INTEGER NOT NULL{inbox_fk}, contact_id INTEGER NOT NULL, enqueued_at TEXT NOT NULL)")
    if a.inbox != "noindex": db.execute("CREATE INDEX ix_inbox_interaction ON inbox (interaction_id)")

def h64(source, event_id):
    return struct.unpack("<q", hashlib.sha256(f"{source}\0{event_id}".encode()).digest()[:8])[0]

rows = []
for i in range(a.events):
    event_id = str(uuid.UUID(int=random.getrandbits(128)))
    row = ("api", event_id, random.randint(1, 50_000), "page_view", "web", "q4-nurture", "pricing", f"https://example.com/p/{i % 997}",
           f"2026-{random.randint(8, 11):02d}-{random.randint(1, 28):02d} 10:{random.randint(0, 59):02d}:00", "2026-11-23 10:00:00",
           '{"seconds":42,"ref":"newsletter"}')
    rows.append(row + (h64("api", event_id),) if hashed else row)

columns = "source, event_id, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties"
if a.key == "hash":
    insert = (f"INSERT INTO interactions ({columns}, event_hash) SELECT ?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12 "
              "WHERE NOT EXISTS (SELECT 1 FROM interactions WHERE event_hash = ?12 AND source = ?1 AND event_id = ?2)")
elif hashed:
    insert = f"INSERT INTO interactions ({columns}, event_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
else:
    insert = f"INSERT INTO interactions ({columns}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"

# As the server's WalCheckpointer: passive checkpoints every 10 s on a connection of their own.
stop = threading.Event()
def checkpoint():
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    while not stop.wait(10) and a.checkpoint == "background":
        other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    other.close()
checkpointer = threading.Thread(target=checkpoint)
checkpointer.start()
commit_s = 0.0
wal_before = os.path.getsize(path + "-wal")
started = time.perf_counter()
for b in range(0, a.events, a.batch):
    chunk = rows[b:b + a.batch]
    db.execute("BEGIN IMMEDIATE")
    first = db.execute("SELECT COALESCE(MAX(id), 0) FROM interactions").fetchone()[0] + 1
    if a.key == "hashprobe":
        found = db.execute("SELECT i.id, i.source, i.event_id FROM json_each(?) j JOIN interactions i ON i.event_hash = j.value",
                           ("[" + ",".join(str(r[11]) for r in chunk) + "]",)).fetchall()
        existing = {(s, e) for _, s, e in found}
        chunk = [r for r in chunk if (r[0], r[1]) not in existing]
    db.executemany(insert, chunk)
    if a.inbox != "none":
        db.executemany("INSERT INTO inbox (interaction_id, contact_id, enqueued_at) VALUES (?, ?, '2026-11-23 10:00:00')",
                       [(first + k, r[2]) for k, r in enumerate(chunk)])
    committing = time.perf_counter()
    db.execute("COMMIT")
    commit_s += time.perf_counter() - committing
elapsed = time.perf_counter() - started
stop.set(); checkpointer.join()
batches = (a.events + a.batch - 1) // a.batch
logged = f", log {(os.path.getsize(path + '-wal') - wal_before) / batches / 1048576:.1f} MB per commit" if a.checkpoint == "off" else ""
print(f"{a.label or vars(a)}: {a.events / elapsed:,.0f} events/s ({elapsed:.1f} s, of which commit {commit_s:.1f} s{logged}; load {os.getloadavg()[0]:.2f})")
db.close()
remove()
