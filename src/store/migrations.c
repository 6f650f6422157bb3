/*
 * migrations.c — the schema, as numbered migrations.
 *
 * store_migrations[i] takes a database from version i to i + 1; each runs in
 * one transaction together with the schema_migrations row that records it.
 * Never edit a migration that has shipped: add the next one.
 */
#include "store/store_int.h"

static const char m001[] =
    /* golden records; merged_into keeps absorbed profiles as tombstones */
    "CREATE TABLE profiles ("
    "  id INTEGER PRIMARY KEY,"
    "  first_name TEXT, last_name TEXT, gender TEXT, birth_date TEXT, language TEXT,"
    "  email TEXT, phone TEXT,"
    "  street TEXT, house_number TEXT, postal_code TEXT, city TEXT, country TEXT,"
    "  attributes TEXT NOT NULL DEFAULT '{}',"
    "  lifecycle_stage TEXT,"
    "  household_id INTEGER,"
    "  merged_into INTEGER REFERENCES profiles(id),"
    "  source TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX profiles_merged_into ON profiles(merged_into) WHERE merged_into IS NOT NULL;"

    /* every incoming profile record, unchanged */
    "CREATE TABLE raw_records ("
    "  id INTEGER PRIMARY KEY,"
    "  profile_id INTEGER NOT NULL REFERENCES profiles(id),"
    "  source TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  external_id TEXT,"
    "  message_id TEXT,"
    "  payload TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL);"
    "CREATE INDEX raw_records_profile ON raw_records(profile_id);"
    "CREATE INDEX raw_records_external ON raw_records(source, external_id);"

    /* (type, value, source) -> profile; source is '' for global types */
    "CREATE TABLE identities ("
    "  id INTEGER PRIMARY KEY,"
    "  type TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  source TEXT NOT NULL DEFAULT '',"
    "  profile_id INTEGER NOT NULL REFERENCES profiles(id),"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (type, value, source));"
    "CREATE INDEX identities_profile ON identities(profile_id);"

    /* every Segment call; message_id makes ingestion idempotent */
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  profile_id INTEGER NOT NULL REFERENCES profiles(id),"
    "  source TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  name TEXT,"
    "  properties TEXT,"
    "  context TEXT,"
    "  message_id TEXT UNIQUE,"
    "  ts INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL);"
    "CREATE INDEX events_profile_ts ON events(profile_id, ts);"

    "CREATE TABLE orders ("
    "  id INTEGER PRIMARY KEY,"
    "  profile_id INTEGER NOT NULL REFERENCES profiles(id),"
    "  source TEXT NOT NULL,"
    "  external_id TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  currency TEXT,"
    "  total_cents INTEGER NOT NULL DEFAULT 0,"
    "  revenue_cents INTEGER,"
    "  refunded_cents INTEGER NOT NULL DEFAULT 0,"
    "  ordered_at INTEGER NOT NULL,"
    "  refunded_at INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (source, external_id));"
    "CREATE INDEX orders_profile ON orders(profile_id, ordered_at);"

    "CREATE TABLE order_lines ("
    "  id INTEGER PRIMARY KEY,"
    "  order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,"
    "  product_id TEXT, sku TEXT, name TEXT, category TEXT,"
    "  price_cents INTEGER NOT NULL DEFAULT 0,"
    "  quantity INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX order_lines_order ON order_lines(order_id);"

    /* current consent per channel and purpose ('' = the channel as a whole) */
    "CREATE TABLE consents ("
    "  profile_id INTEGER NOT NULL REFERENCES profiles(id),"
    "  channel TEXT NOT NULL,"
    "  purpose TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL CHECK (status IN ('opted_in', 'opted_out')),"
    "  source TEXT, wording TEXT, ip TEXT,"
    "  ts INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (profile_id, channel, purpose));"
    /* the full ledger, with proof; append only */
    "CREATE TABLE consent_history ("
    "  id INTEGER PRIMARY KEY,"
    "  profile_id INTEGER NOT NULL REFERENCES profiles(id),"
    "  channel TEXT NOT NULL,"
    "  purpose TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL,"
    "  source TEXT, wording TEXT, ip TEXT,"
    "  ts INTEGER NOT NULL,"
    "  recorded_at INTEGER NOT NULL,"
    "  note TEXT);"
    "CREATE INDEX consent_history_profile ON consent_history(profile_id, id);"

    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  prefix TEXT NOT NULL UNIQUE,"
    "  hash BLOB NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'marketer', 'ingest')),"
    "  source TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER);"

    /* every rejected input, with its reason: nothing is dropped silently */
    "CREATE TABLE quarantine ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT,"
    "  kind TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  field TEXT,"
    "  payload BLOB NOT NULL,"
    "  received_at INTEGER NOT NULL);"

    "CREATE TABLE merge_log ("
    "  id INTEGER PRIMARY KEY,"
    "  action TEXT NOT NULL CHECK (action IN ('merge', 'unmerge')),"
    "  survivor_id INTEGER NOT NULL,"
    "  absorbed_id INTEGER NOT NULL,"
    "  rule TEXT NOT NULL,"
    "  score REAL,"
    "  evidence TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX merge_log_absorbed ON merge_log(absorbed_id);";

/* A counter that moves whenever identities change, so a cache elsewhere knows to forget. */
static const char m002[] =
    "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO store_meta(key, value) VALUES ('identity_epoch', 0);";

/*
 * Cleaning and imports (issue 3). A profile record's row keeps what the
 * cleaning rules made of it: the cleaned fields, the corrections (before and
 * after, so they can be seen and undone) and per-field quality bits (bit f
 * is enum profile_field f) from which the quality report is computed. Only
 * the newest record per (source, kind, external id) is current; older ones
 * stay for lineage, whether it came by import or identify. row_hash makes re-imports of an unchanged row a no-op.
 */
static const char m003[] =
    "ALTER TABLE raw_records ADD COLUMN superseded_at INTEGER;"
    "ALTER TABLE raw_records ADD COLUMN row_hash INTEGER;"
    "ALTER TABLE raw_records ADD COLUMN cleaned TEXT;"
    "ALTER TABLE raw_records ADD COLUMN corrections TEXT;"
    "ALTER TABLE raw_records ADD COLUMN present_mask INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE raw_records ADD COLUMN valid_raw_mask INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE raw_records ADD COLUMN clean_mask INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE raw_records ADD COLUMN corrected_mask INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE raw_records ADD COLUMN email_key TEXT;"
    "ALTER TABLE raw_records ADD COLUMN phone_key TEXT;"
    "DROP INDEX raw_records_external;"
    "CREATE INDEX raw_records_current ON raw_records(source, external_id)"
    "  WHERE superseded_at IS NULL;"
    /* a user's "keep this field as given" after undoing a correction */
    "CREATE TABLE clean_overrides ("
    "  source TEXT NOT NULL,"
    "  external_id TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (source, external_id, field)) WITHOUT ROWID;"
    /* test-record patterns (fnmatch, case-insensitive) per field */
    "CREATE TABLE test_patterns ("
    "  id INTEGER PRIMARY KEY,"
    "  field TEXT NOT NULL,"
    "  pattern TEXT NOT NULL,"
    "  UNIQUE (field, pattern));"
    "INSERT INTO test_patterns(field, pattern) VALUES"
    "  ('email', 'test@*'), ('email', '*@test.com'), ('email', '*@example.com'),"
    "  ('email', '*@example.org'), ('email', '*@example.net'), ('email', 'asdf@*'),"
    "  ('email', '*@asdf.com'), ('email', 'noone@*'), ('email', 'dummy@*'),"
    "  ('name', 'mickey mouse'), ('name', 'minnie mouse'), ('name', 'donald duck'),"
    "  ('name', 'test test'), ('name', 'test *'), ('name', '* test'), ('name', 'asdf*'),"
    "  ('name', 'john doe'), ('name', 'jane doe'), ('name', 'qwerty*'), ('name', 'xxx*'),"
    "  ('name', 'dummy *');"
    /* order lines keyed within their order, so a re-import replaces, never doubles */
    "ALTER TABLE order_lines ADD COLUMN line_no INTEGER;"
    "ALTER TABLE order_lines ADD COLUMN row_hash INTEGER;"
    "ALTER TABLE orders ADD COLUMN row_hash INTEGER;"
    "ALTER TABLE orders ADD COLUMN attributes TEXT;"
    "CREATE UNIQUE INDEX order_lines_line ON order_lines(order_id, line_no) WHERE line_no IS NOT NULL;"
    /* quarantined rows that a retry has since stored */
    "ALTER TABLE quarantine ADD COLUMN resolved_at INTEGER;"
    "ALTER TABLE quarantine ADD COLUMN external_id TEXT;"
    "ALTER TABLE quarantine ADD COLUMN class TEXT;" /* the reason without its details */
    "CREATE INDEX quarantine_pending ON quarantine(source, kind, external_id)"
    "  WHERE resolved_at IS NULL;";

/*
 * Identity resolution (issue 4). origin_id remembers the profile a row
 * belonged to before its first merge (NULL: never moved, the origin is
 * profile_id), so an unmerge moves exactly those rows back. The merge log
 * keeps both profiles as they were (snapshot) and when a merge was undone.
 * matches is the review queue (and the pairs a person rejected); match_keys
 * the blocking index that real-time matching looks records up in; settings
 * the workspace's configuration (survivorship rules, the match model).
 */
static const char m004[] =
    "ALTER TABLE identities ADD COLUMN origin_id INTEGER;"
    "ALTER TABLE raw_records ADD COLUMN origin_id INTEGER;"
    "ALTER TABLE events ADD COLUMN origin_id INTEGER;"
    "ALTER TABLE orders ADD COLUMN origin_id INTEGER;"
    "ALTER TABLE consent_history ADD COLUMN origin_id INTEGER;"
    "ALTER TABLE profiles ADD COLUMN golden_sources TEXT;"
    "ALTER TABLE merge_log ADD COLUMN snapshot TEXT;"
    "ALTER TABLE merge_log ADD COLUMN undone_at INTEGER;"
    "CREATE INDEX merge_log_survivor ON merge_log(survivor_id);"
    "CREATE INDEX profiles_household ON profiles(household_id) WHERE household_id IS NOT NULL;"
    "CREATE TABLE matches ("
    "  id INTEGER PRIMARY KEY,"
    "  raw_a INTEGER NOT NULL,"
    "  raw_b INTEGER NOT NULL,"
    "  score REAL NOT NULL,"
    "  evidence TEXT,"
    "  status TEXT NOT NULL DEFAULT 'review' CHECK (status IN ('review', 'accepted', 'rejected')),"
    "  created_at INTEGER NOT NULL,"
    "  decided_at INTEGER,"
    "  UNIQUE (raw_a, raw_b));"
    "CREATE INDEX matches_status ON matches(status, id);"
    "CREATE TABLE match_keys ("
    "  key INTEGER NOT NULL,"
    "  raw_id INTEGER NOT NULL,"
    "  PRIMARY KEY (key, raw_id)) WITHOUT ROWID;"
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL) WITHOUT ROWID;";

const char *const store_migrations[] = {m001, m002, m003, m004};
const int store_nmigrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
