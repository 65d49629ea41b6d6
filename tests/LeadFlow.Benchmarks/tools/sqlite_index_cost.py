# What each structure of the interactions table costs SQLite per insert, at 1M rows with random GUID event ids.
# Usage: python3 tests/LeadFlow.Benchmarks/tools/sqlite_index_cost.py full|nocontact|nounique|nofk|narrow|narrownofk
# Same pragmas as LeadFlow (WAL, synchronous=FULL, 64 MiB cache, foreign keys on); see docs/benchmarks.md.
import sqlite3, uuid, random, time, os, sys
random.seed(1)
N=1_000_000; B=10_000
variant=sys.argv[1]
import tempfile
path=os.path.join(tempfile.gettempdir(), f"leadflow-index-cost-{variant}.db")
for suf in ("","-wal","-shm"):
    try: os.remove(path+suf)
    except FileNotFoundError: pass
db=sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL"); db.execute("PRAGMA cache_size=-65536"); db.execute("PRAGMA foreign_keys=ON")
db.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT)")
db.execute("BEGIN"); db.executemany("INSERT INTO contacts (email) VALUES (?)", [(f"c{i}@x.com",) for i in range(50000)]); db.execute("COMMIT")
fk = "" if variant in ("nofk","narrownofk") else " REFERENCES contacts(id)"
db.execute(f"CREATE TABLE interactions (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, event_id TEXT NOT NULL, contact_id INTEGER NOT NULL{fk}, type TEXT, channel TEXT, campaign TEXT, asset TEXT, url TEXT, occurred_at TEXT, received_at TEXT, properties TEXT)")
if variant!="nounique": db.execute("CREATE UNIQUE INDEX ux ON interactions(source, event_id)")
if variant=="narrow" or variant=="narrownofk": db.execute("CREATE INDEX ix ON interactions(contact_id)")
elif variant!="nocontact": db.execute("CREATE INDEX ix ON interactions(contact_id, occurred_at)")
rows=[("api", str(uuid.UUID(int=random.getrandbits(128))), random.randint(1,50000), "page_view","web","q4-nurture","pricing",f"https://example.com/p/{i%997}", f"2026-{random.randint(8,11):02d}-{random.randint(1,28):02d} 10:{random.randint(0,59):02d}:00", "2026-11-23 10:00:00", '{"seconds":42,"ref":"newsletter"}') for i in range(N)]
t=time.perf_counter()
for b in range(0,N,B):
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO interactions (source,event_id,contact_id,type,channel,campaign,asset,url,occurred_at,received_at,properties) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows[b:b+B])
    db.execute("COMMIT")
el=time.perf_counter()-t
print(f"{variant}: {N/el:,.0f} rows/s")
db.close()
for suf in ("","-wal","-shm"):
    try: os.remove(path+suf)
    except FileNotFoundError: pass
