#!/usr/bin/env bash
# Scenario benchmark (issue 6). `rondo gen` writes BENCH_SCENARIO_PERSONS persons (default
# 500,000: about 1M profile records, imported with --no-match, every record a profile). A
# scenario with a schedule trigger enters every profile: condition -> A/B split -> wait 1 day
# -> send to the outbox. `rondo serve --clock simulated` runs it; the clock is moved through
# the API (POST /api/v1/clock/advance), which answers when every due run has been processed:
#   phase 1: the schedule fires, every run is entered and brought to its wait;
#   phase 2: the clock moves a day, every timer fires and every message is recorded.
# Each phase prints its time, runs/s, and the ratio to a reference measured in the same run:
# the same rows (runs, ledger steps, messages) written set-based by hand-written SQL in the
# sqlite3 command-line tool, on a copy of the same database: the floor of what SQLite can
# write, with none of the logic.
# Target: at most 30 s for each phase. (Mautic users report 2.5 days for one campaign step
# over 1M contacts.)
#   RONDO_BIN      the binary to measure (default ./rondo)
#   BENCH_STRICT=1 exit 1 when a target is missed
set -euo pipefail
cd "$(dirname "$0")/.."
rondo=${RONDO_BIN:-./rondo}
persons=${BENCH_SCENARIO_PERSONS:-500000}
sources=(webshop store app crm)

die() {
    echo "bench scenario: $*" >&2
    exit 1
}

[[ -x $rondo ]] || die "$rondo not found: run make first"
for tool in sqlite3 awk curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ $persons =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCENARIO_PERSONS must be a positive whole number"

work=$(mktemp -d "${TMPDIR:-/tmp}/rondo-bench-scenario.XXXXXX")
pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }" </dev/null; }
cond() { awk "BEGIN { print (($1) ? 1 : 0) }" </dev/null; }
fmt() { LC_ALL=C printf "%.${2:-0}f" "$1"; }
verdict() { (($(cond "$1"))) && echo PASS || echo MISS; }

data=$work/data
db=$work/bench.db
t0=$(now)
"$rondo" gen --profiles "$persons" --seed 9 --orders-scale 0.1 --events-scale 0.1 \
    --out "$data" >/dev/null
"$rondo" init --db "$db" >"$work/keys"
admin=$(grep -o 'rk_[A-Za-z0-9_-]*' "$work/keys" | head -1)
[[ -n $admin ]] || die "no admin key in the output of rondo init"
for src in "${sources[@]}"; do
    [[ -e $data/$src.profiles.csv ]] || continue
    map=()
    [[ -e $data/$src.map.ini ]] && map=(--map "$data/$src.map.ini")
    "$rondo" import --db "$db" --source "$src" --table profiles "${map[@]}" --quiet --no-match \
        "$data/$src.profiles.csv" >/dev/null
done
nprof=$(sqlite3 "$db" "SELECT count(*) FROM profiles WHERE merged_into IS NULL")
echo "bench scenario: $nprof profiles (gen and import $(fmt "$(calc "$(now) - $t0")") s)"

# The scenario, saved and activated before the server starts.
start="2027-01-04T08:00:00Z"
cat >"$work/template.json" <<'EOF'
{"name": "bench", "channel": "outbox",
 "subject": "Hello {{profile.first_name | default: \"there\"}}",
 "body": "Dear {{profile.first_name | default: \"customer\"}}, you are in group {{run.branch}}."}
EOF
cat >"$work/scenario.json" <<'EOF'
{"name": "bench", "definition": {
 "trigger": {"type": "schedule", "at": "2027-01-04T08:01:00Z"},
 "nodes": [
  {"id": "reachable", "type": "condition", "rule": "has email or has phone or country is set"},
  {"id": "ab", "type": "split", "branches": [{"name": "a", "weight": 50}, {"name": "b", "weight": 50}]},
  {"id": "day", "type": "wait", "duration": "1d"},
  {"id": "mail", "type": "send", "channel": "outbox", "template": "bench"},
  {"id": "none", "type": "exit", "reason": "unreachable"}],
 "edges": [
  {"from": "trigger", "to": "reachable"},
  {"from": "reachable", "exit": "yes", "to": "ab"},
  {"from": "reachable", "exit": "no", "to": "none"},
  {"from": "ab", "exit": "a", "to": "day"}, {"from": "ab", "exit": "b", "to": "day"},
  {"from": "day", "to": "mail"}]}}
EOF
"$rondo" template put --db "$db" "$work/template.json" >/dev/null
sid=$("$rondo" scenario create --db "$db" "$work/scenario.json")
"$rondo" scenario activate --db "$db" "$sid" >/dev/null
cp "$db" "$work/reference.db" # before the server writes anything

port=$((20000 + RANDOM % 20000))
"$rondo" serve --db "$db" --listen "127.0.0.1:$port" --clock "simulated=$start" \
    2>"$work/server.log" &
pid=$!
for _ in $(seq 1 900); do
    grep -q "segments: .* loaded" "$work/server.log" && break
    kill -0 "$pid" 2>/dev/null || die "rondo serve exited: $(tail -5 "$work/server.log")"
    sleep 0.2
done
grep -q "segments: .* loaded" "$work/server.log" || die "the server did not load in 180 s"
load=$(sed -n 's/.*segments: .* loaded.* in \([0-9.]*\) s.*/\1/p' "$work/server.log" | head -1)

advance() { # by; prints the answer; the call returns when every due run is done
    curl -sS --max-time 900 -X POST -H "Authorization: Bearer $admin" \
        -H 'Content-Type: application/json' -d "{\"by\": \"$1\"}" \
        "http://127.0.0.1:$port/api/v1/clock/advance"
}
counts() { sqlite3 "$db" "SELECT count(*) FROM runs WHERE state = '$1'"; }

# the first tick sets the schedule's first fire; then the fire itself
advance 1s >/dev/null
t0=$(now)
a1=$(advance 2m)
p1=$(calc "$(now) - $t0")
waiting=$(counts waiting)
entered=$(sqlite3 "$db" "SELECT count(*) FROM runs")
[[ $entered == "$nprof" ]] || die "phase 1: $entered runs, expected $nprof: $a1"

t0=$(now)
a2=$(advance 1d)
p2=$(calc "$(now) - $t0")
sent=$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE status = 'stored'")
[[ $sent == "$waiting" ]] || die "phase 2: $sent messages for $waiting runs: $a2"
dup=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT run_id FROM messages GROUP BY run_id HAVING count(*) > 1)")
[[ $dup == 0 ]] || die "phase 2: $dup runs with more than one message"

# The reference: the same rows by hand, set-based, in sqlite3 (no logic, no rendering).
t_start=1799049660000 # 2027-01-04T08:01:00Z
ref1="BEGIN;
INSERT INTO runs(scenario_id, version, profile_id, state, node, wake_at, seq, branch,
                 entered_at, updated_at)
  SELECT $sid, 1, id, 'waiting', 'day', $t_start + 86400000, 2,
         CASE WHEN id % 2 THEN 'a' ELSE 'b' END, $t_start, $t_start
  FROM profiles WHERE merged_into IS NULL;
INSERT INTO run_steps(run_id, seq, node, outcome, at)
  SELECT id, 1, 'reachable', 'yes', $t_start FROM runs;
INSERT INTO run_steps(run_id, seq, node, outcome, at)
  SELECT id, 2, 'ab', branch, $t_start FROM runs;
COMMIT;"
t0=$(now)
sqlite3 "$work/reference.db" "$ref1"
r1=$(calc "$(now) - $t0")
ref2="BEGIN;
INSERT INTO messages(profile_id, channel, template, run_id, step, scenario_id, status, address,
                     subject, body, created_at, updated_at)
  SELECT r.profile_id, 'outbox', 'bench', r.id, 4, $sid, 'stored', p.email,
         'Hello ' || coalesce(p.first_name, 'there'),
         'Dear ' || coalesce(p.first_name, 'customer') || ', you are in group ' || r.branch || '.',
         $t_start + 86400000, $t_start + 86400000
  FROM runs r JOIN profiles p ON p.id = r.profile_id WHERE r.state = 'waiting';
INSERT INTO run_steps(run_id, seq, node, outcome, at)
  SELECT id, 3, 'day', 'passed', $t_start + 86400000 FROM runs WHERE state = 'waiting';
INSERT INTO run_steps(run_id, seq, node, outcome, at)
  SELECT id, 4, 'mail', 'sent', $t_start + 86400000 FROM runs WHERE state = 'waiting';
UPDATE runs SET state = 'done', node = 'mail', seq = 4, wake_at = NULL, outcome = 'completed',
  ended_at = $t_start + 86400000 WHERE state = 'waiting';
COMMIT;"
t0=$(now)
sqlite3 "$work/reference.db" "$ref2"
r2=$(calc "$(now) - $t0")

rate1=$(calc "$entered / $p1")
rate2=$(calc "$sent / $p2")
echo "  server: profiles loaded into memory in $(fmt "$load" 1) s (once per start)"
echo "  phase 1: $entered runs entered and brought to the wait in $(fmt "$p1" 2) s" \
    "($(fmt "$rate1") runs/s); $waiting waiting, $((entered - waiting)) left at the condition"
echo "           hand-written SQL writing the same rows: $(fmt "$r1" 2) s;" \
    "rondo takes $(fmt "$(calc "$p1 / $r1")" 2)x its time"
echo "  phase 2: $sent timers fired and messages recorded in $(fmt "$p2" 2) s" \
    "($(fmt "$rate2") runs/s)"
echo "           hand-written SQL writing the same rows: $(fmt "$r2" 2) s;" \
    "rondo takes $(fmt "$(calc "$p2 / $r2")" 2)x its time"
v1=$(verdict "$p1 <= 30")
v2=$(verdict "$p2 <= 30")
echo "  target: phase 1 <= 30 s: $v1 ($(fmt "$p1" 2) s)"
echo "  target: phase 2 <= 30 s: $v2 ($(fmt "$p2" 2) s)"
echo "bench scenario: $entered runs  enter+wait $(fmt "$p1" 2) s ($(fmt "$rate1") runs/s," \
    "$(fmt "$(calc "$p1 / $r1")" 2)x SQL)  fire+send $(fmt "$p2" 2) s ($(fmt "$rate2") runs/s," \
    "$(fmt "$(calc "$p2 / $r2")" 2)x SQL)"
if [[ ${BENCH_STRICT:-0} == 1 && ($v1 == MISS || $v2 == MISS) ]]; then
    exit 1
fi
