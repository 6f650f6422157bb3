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

/*
 * Segments (issue 5). profile_stats holds per-profile aggregates that the
 * store keeps current on every write (store_segments.c; a missing row means
 * no orders and no events), backfilled here. A segment's definition is JSON
 * text, every version kept; segment_members is the current membership (sub:
 * the sub-segment of an exclusive segment), segment_transitions every change
 * of it. The events, orders and identities indexes are replaced by ones with
 * the same leading columns that also cover what the segment loaders read, so
 * a bulk load is one pass over an index in profile order.
 */
static const char m005[] =
    "CREATE TABLE profile_stats ("
    "  profile_id INTEGER PRIMARY KEY,"
    "  order_count INTEGER NOT NULL DEFAULT 0,"
    "  total_spent_cents INTEGER NOT NULL DEFAULT 0,"
    "  first_order_at INTEGER,"
    "  last_order_at INTEGER,"
    "  event_count INTEGER NOT NULL DEFAULT 0,"
    "  last_event_at INTEGER,"
    "  last_visit_at INTEGER,"
    "  last_open_at INTEGER,"
    "  last_click_at INTEGER,"
    "  updated_at INTEGER NOT NULL);"
    "DROP INDEX events_profile_ts;"
    "CREATE INDEX events_profile_ts ON events(profile_id, ts, type, name, source);"
    "DROP INDEX orders_profile;"
    "CREATE INDEX orders_profile ON orders(profile_id, ordered_at, status, total_cents,"
    "  refunded_cents, currency, source);"
    "DROP INDEX identities_profile;"
    "CREATE INDEX identities_profile ON identities(profile_id, type);"
    "INSERT INTO profile_stats(profile_id, order_count, total_spent_cents, first_order_at,"
    "  last_order_at, event_count, last_event_at, last_visit_at, last_open_at, last_click_at,"
    "  updated_at)"
    " SELECT p.id, coalesce(o.n, 0), coalesce(o.spent, 0), o.first, o.last, coalesce(e.n, 0),"
    "  e.last, e.visit, e.open, e.click, CAST(strftime('%s', 'now') AS INTEGER) * 1000"
    " FROM profiles p"
    " LEFT JOIN (SELECT profile_id, count(*) AS n, sum(total_cents - refunded_cents) AS spent,"
    "  min(ordered_at) AS first, max(ordered_at) AS last FROM orders"
    "  WHERE status <> 'cancelled' GROUP BY profile_id) o ON o.profile_id = p.id"
    " LEFT JOIN (SELECT profile_id, count(*) AS n, max(ts) AS last,"
    "  max(CASE WHEN type IN ('page', 'screen') THEN ts END) AS visit,"
    "  max(CASE WHEN name = 'Email Opened' THEN ts END) AS open,"
    "  max(CASE WHEN name IN ('Email Link Clicked', 'Email Clicked') THEN ts END) AS click"
    "  FROM events GROUP BY profile_id) e ON e.profile_id = p.id"
    " WHERE p.merged_into IS NULL AND (o.profile_id IS NOT NULL OR e.profile_id IS NOT NULL);"
    "CREATE TABLE segments ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('rule', 'exclusive')),"
    "  version INTEGER NOT NULL,"
    "  definition TEXT NOT NULL,"
    "  time_relative INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  deleted_at INTEGER);"
    "CREATE UNIQUE INDEX segments_name ON segments(name) WHERE deleted_at IS NULL;"
    "CREATE TABLE segment_versions ("
    "  segment_id INTEGER NOT NULL REFERENCES segments(id),"
    "  version INTEGER NOT NULL,"
    "  definition TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (segment_id, version)) WITHOUT ROWID;"
    "CREATE TABLE segment_members ("
    "  segment_id INTEGER NOT NULL REFERENCES segments(id),"
    "  profile_id INTEGER NOT NULL,"
    "  sub TEXT,"
    "  since INTEGER NOT NULL,"
    "  PRIMARY KEY (segment_id, profile_id)) WITHOUT ROWID;"
    "CREATE INDEX segment_members_profile ON segment_members(profile_id);"
    "CREATE TABLE segment_transitions ("
    "  id INTEGER PRIMARY KEY,"
    "  segment_id INTEGER NOT NULL REFERENCES segments(id),"
    "  profile_id INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('enter', 'exit', 'shift')),"
    "  from_sub TEXT,"
    "  to_sub TEXT,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX segment_transitions_at ON segment_transitions(segment_id, at);"
    "CREATE INDEX segment_transitions_profile ON segment_transitions(profile_id, at);"
    /* paging a segment's transitions by id */
    "CREATE INDEX segment_transitions_segment ON segment_transitions(segment_id, id);"
    /*
     * Profiles whose segment memberships are due for re-evaluation: the
     * server's writer marks them through temporary triggers on its own
     * connection (store_touch_track); a command that writes marks what it
     * wrote when it ends (store_dirty_since). The segment engine takes them
     * (store_touched_take). Permanent triggers made imports several times
     * slower, growing with the table.
     */
    "CREATE TABLE segment_dirty(profile_id INTEGER PRIMARY KEY) WITHOUT ROWID;";

/*
 * Scenarios (issue 6). A scenario's definition is JSON, every version kept;
 * a run starts on the scenario's current version and finishes on it. A
 * run's state says what it waits for: "ready" (to advance at wake_at, now
 * for a new run), "waiting" (a wait node until wake_at), "event" (a
 * wait_for node: an event, or its timeout at wake_at), "task" (a task to be
 * resolved), "done" (with its outcome). Timers are the runs' wake_at: one
 * row to update per step, and one partial index finds the due ones.
 *
 * run_steps is the ledger: one row per step a run took, keyed by (run, seq),
 * written in the same transaction as the step's effects and the run's new
 * state, so a crash leaves a step either wholly done or not begun. A send's
 * message carries the same key (messages_run_step): never two for one step.
 */
static const char m006[] =
    /* an erased profile keeps its id (orders stay for the books) and nothing personal */
    "ALTER TABLE profiles ADD COLUMN erased_at INTEGER;"
    "CREATE TABLE scenarios ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'archived')),"
    "  version INTEGER NOT NULL,"
    "  next_fire_at INTEGER,"
    /* the newest event and transition when it was last activated: older ones are history */
    "  since_event INTEGER NOT NULL DEFAULT 0,"
    "  since_transition INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX scenarios_name ON scenarios(name) WHERE status != 'archived';"
    "CREATE TABLE scenario_versions ("
    "  scenario_id INTEGER NOT NULL REFERENCES scenarios(id),"
    "  version INTEGER NOT NULL,"
    "  definition TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (scenario_id, version)) WITHOUT ROWID;"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  scenario_id INTEGER NOT NULL REFERENCES scenarios(id),"
    "  version INTEGER NOT NULL,"
    "  profile_id INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('ready', 'waiting', 'event', 'task', 'done')),"
    "  node TEXT NOT NULL,"
    "  wake_at INTEGER,"
    "  seq INTEGER NOT NULL DEFAULT 0,"
    "  branch TEXT,"
    "  outcome TEXT,"
    "  payload TEXT,"
    "  entered_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  ended_at INTEGER);"
    "CREATE INDEX runs_due ON runs(wake_at) WHERE state IN ('ready', 'waiting', 'event');"
    "CREATE INDEX runs_profile ON runs(profile_id, scenario_id);"
    "CREATE INDEX runs_scenario ON runs(scenario_id, state, node);"
    "CREATE TABLE run_steps ("
    "  run_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  node TEXT NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE templates ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  channel TEXT NOT NULL,"
    "  subject TEXT,"
    "  body TEXT,"
    "  html TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY,"
    "  profile_id INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  template TEXT,"
    "  run_id INTEGER,"
    "  step INTEGER,"
    "  scenario_id INTEGER,"
    "  status TEXT NOT NULL,"
    "  address TEXT,"
    "  subject TEXT,"
    "  body TEXT,"
    "  html TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER,"
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX messages_run_step ON messages(run_id, step) WHERE run_id IS NOT NULL;"
    /* what a dispatcher sends (webhooks now, channels with a provider in issue 7) */
    "CREATE INDEX messages_queued ON messages(next_attempt_at) WHERE status = 'queued';"
    /* the outbox by channel: a day's letters, the open call list */
    "CREATE INDEX messages_outbox ON messages(channel, status, created_at);"
    /* every status a message had, with when and why: GET /api/v1/messages/{id} */
    "CREATE TABLE message_events ("
    "  id INTEGER PRIMARY KEY,"
    "  message_id INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  detail TEXT,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX message_events_message ON message_events(message_id, id);"
    "CREATE INDEX messages_profile ON messages(profile_id, channel, created_at);"
    "CREATE TABLE tasks ("
    "  id INTEGER PRIMARY KEY,"
    "  run_id INTEGER,"
    "  profile_id INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT,"
    "  assignee TEXT,"
    "  token TEXT NOT NULL UNIQUE,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),"
    "  created_at INTEGER NOT NULL,"
    "  resolved_at INTEGER);"
    /* the key webhooks are signed with: one per workspace, from SQLite's CSPRNG */
    "INSERT OR IGNORE INTO settings(key, value, updated_at)"
    " VALUES ('webhook_secret', lower(hex(randomblob(32))), 0);"
    /* and the key that signs unsubscribe links (and, in time, tracking links) */
    "INSERT OR IGNORE INTO settings(key, value, updated_at)"
    " VALUES ('unsubscribe_secret', lower(hex(randomblob(32))), 0);"
    "CREATE TABLE suppressions ("
    "  channel TEXT NOT NULL,"
    "  address TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (channel, address)) WITHOUT ROWID;";

const char *const store_migrations[] = {m001, m002, m003, m004, m005, m006};
const int store_nmigrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
