#!/usr/bin/env bash
# Segment benchmark (issue 5). `rondo gen` writes a busy shop (BENCH_SEGMENT_PERSONS persons,
# default 500,000, with --orders-scale 1.75 --events-scale 5.5: about 1M profile records, 2M
# orders and 10M events), imported with --no-match (every record a profile). Then:
#   - the reference segment of five conditions (a windowed sum on orders, consent, country in
#     a list, no e-mail opened in 90 days, a lifecycle stage) evaluated in full over every
#     profile by `rondo segment preview` (the profiles in memory, as `rondo serve` holds them;
#     the load is printed apart);
#   - the same segment written by hand as one SQL query, run by the sqlite3 command-line tool
#     on the same database file: rondo's time is printed as a ratio to it;
#   - the incremental re-evaluation while `rondo serve` takes a stream of BENCH_SEGMENT_RATE
#     events/s (default 10,000) for BENCH_SEGMENT_SECONDS (default 20): p50 and p99 per
#     touched profile, from the server's own measurement (its log at shutdown).
# Targets: a full evaluation in at most 1 s, incremental p99 at most 1 ms, faster than the SQL.
#   RONDO_BIN      the binary to measure (default ./rondo)
#   BENCH_STRICT=1 exit 1 when a target is missed
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rondo=${RONDO_BIN:-$root/rondo}
persons=${BENCH_SEGMENT_PERSONS:-500000}
rate=${BENCH_SEGMENT_RATE:-10000}
secs=${BENCH_SEGMENT_SECONDS:-20}
sources=(webshop store app crm)
tables=(orders order_lines events consents)
rule='orders.sum(total, within 365d) > 100 and consent email and country in ("BE", "NL")
  and events.count(name = "Email Opened", within 90d) = 0
  and segment "lifecycle" = "repeat buyer"'

die() {
    echo "bench segment: $*" >&2
    exit 1
}

[[ -x $rondo ]] || die "$rondo not found: run make first"
for tool in sqlite3 awk node curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
for v in "$persons" "$rate" "$secs"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || die "BENCH_SEGMENT_* must be positive whole numbers, not '$v'"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rondo-bench-segment.XXXXXX")
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
jfield() { sed -n "s/.*\"$2\": *\([0-9.e+-]*\).*/\1/p" <<<"$1" | head -1; }

data=$work/data
db=$work/bench.db
t0=$(now)
"$rondo" gen --profiles "$persons" --seed 9 --orders-scale 1.75 --events-scale 5.5 --out "$data" \
    >/dev/null
"$rondo" init --db "$db" >"$work/keys"
for src in "${sources[@]}"; do
    map=()
    [[ -e $data/$src.map.ini ]] && map=(--map "$data/$src.map.ini")
    "$rondo" import --db "$db" --source "$src" --table profiles "${map[@]}" --quiet --no-match \
        "$data/$src.profiles.csv" >/dev/null
done
for table in "${tables[@]}"; do
    for src in "${sources[@]}"; do
        [[ -e $data/$src.$table.csv ]] || continue
        map=()
        [[ -e $data/$src.map.ini ]] && map=(--map "$data/$src.map.ini")
        "$rondo" import --db "$db" --source "$src" --table "$table" "${map[@]}" --quiet \
            "$data/$src.$table.csv" >/dev/null
    done
done
read -r nprof norders nevents < <(sqlite3 -separator ' ' "$db" "SELECT
    (SELECT count(*) FROM profiles WHERE merged_into IS NULL),
    (SELECT count(*) FROM orders), (SELECT count(*) FROM events)")
echo "bench segment: $nprof profiles, $norders orders, $nevents events" \
    "(gen and import $(fmt "$(calc "$(now) - $t0")") s)"

# The lifecycle (seeded in every workspace) and the members of every segment.
out=$("$rondo" segment evaluate --db "$db")
echo "  $out"

# Full evaluation of the reference segment, in memory.
pv=$("$rondo" segment preview --db "$db" --json --sample 0 "$rule")
count=$(jfield "$pv" count)
eval_s=$(jfield "$pv" evaluate_seconds)
load_s=$(jfield "$pv" load_seconds)
[[ -n $count && -n $eval_s ]] || die "cannot read rondo segment preview: $pv"

# The same segment by hand in SQL; "now" is the same moment to the second.
now_ms=$(($(date +%s) * 1000))
day=86400000
sql="SELECT count(*) FROM profiles p WHERE p.merged_into IS NULL AND p.country IN ('BE', 'NL')
  AND (SELECT coalesce(sum(o.total_cents - o.refunded_cents), 0) FROM orders o
       WHERE o.profile_id = p.id AND o.status <> 'cancelled'
         AND o.ordered_at BETWEEN $now_ms - 365 * $day AND $now_ms) > 10000
  AND EXISTS (SELECT 1 FROM consents c WHERE c.profile_id = p.id AND c.channel = 'email'
              AND c.status = 'opted_in')
  AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.profile_id = p.id AND c.channel = 'email'
                  AND c.purpose = '' AND c.status = 'opted_out')
  AND NOT EXISTS (SELECT 1 FROM events e WHERE e.profile_id = p.id AND e.name = 'Email Opened'
                  AND e.ts BETWEEN $now_ms - 90 * $day AND $now_ms)
  AND EXISTS (SELECT 1 FROM segment_members m JOIN segments s ON s.id = m.segment_id
              WHERE s.name = 'lifecycle' AND s.deleted_at IS NULL AND m.profile_id = p.id
                AND m.sub = 'repeat buyer');"
t0=$(now)
sql_count=$(sqlite3 "$db" "$sql")
sql_s=$(calc "$(now) - $t0")
ratio=$(calc "$eval_s / $sql_s")
echo "  full evaluation: $count of $nprof profiles in $(fmt "$eval_s" 3) s" \
    "(profiles loaded into memory in $(fmt "$load_s" 1) s, once per server start)"
echo "  hand-written SQL in sqlite3: $sql_count profiles in $(fmt "$sql_s" 3) s;" \
    "rondo takes $(fmt "$ratio" 3)x its time"
[[ $sql_count == "$count" ]] || echo "  WARNING: the counts differ ($count vs $sql_count)"

# Incremental: the reference segment saved, then a stream of events through rondo serve.
"$rondo" segment create --db "$db" --name reference --rule "$rule" | sed 's/^/  /'

port=$((20000 + RANDOM % 20000))
# the web shop's own key: its user ids are the web shop's customers, already profiles
write=$("$rondo" key create --db "$db" --role ingest --source webshop 2>/dev/null)
[[ $write == rk_* ]] || die "cannot create a write key for the web shop"
"$rondo" serve --db "$db" --listen "127.0.0.1:$port" 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 600); do
    grep -q "segments: .* loaded" "$work/server.log" && break
    kill -0 "$pid" 2>/dev/null || die "rondo serve exited: $(tail -5 "$work/server.log")"
    sleep 0.2
done
grep "segments: .* loaded" "$work/server.log" | sed 's/^.*info  /  server: /'
node "$here/segment_stream.mjs" "http://127.0.0.1:$port" "$write" "$data/webshop.profiles.csv" \
    "$rate" "$secs" | sed 's/^/  /'
kill -TERM "$pid"
wait "$pid" || true
pid=
line=$(grep "incremental passes" "$work/server.log" || true)
[[ -n $line ]] || die "the server reported no incremental passes: $(tail -5 "$work/server.log")"
echo "  server: ${line#*info  }"
p50=$(sed -n 's/.*p50 \([0-9.]*\) us.*/\1/p' <<<"$line")
p99=$(sed -n 's/.*p99 \([0-9.]*\) us.*/\1/p' <<<"$line")

full_ok=$(verdict "$eval_s <= 1")
p99_ok=$(verdict "$p99 <= 1000")
sql_ok=$(verdict "$eval_s < $sql_s")
echo "  target: full evaluation <= 1 s: $full_ok ($(fmt "$eval_s" 3) s)"
echo "  target: incremental p99 <= 1 ms: $p99_ok (p50 $p50 us, p99 $p99 us per profile)"
echo "  target: faster than the hand-written SQL: $sql_ok ($(fmt "$ratio" 3)x)"
echo "bench segment: $nprof profiles  full $(fmt "$eval_s" 3) s  sql $(fmt "$sql_s" 3) s" \
    "($(fmt "$ratio" 3)x)  incremental p50 $p50 us p99 $p99 us"
misses=0
for v in "$full_ok" "$p99_ok" "$sql_ok"; do
    [[ $v == PASS ]] || misses=$((misses + 1))
done
if ((misses)) && [[ ${BENCH_STRICT:-0} == 1 ]]; then
    exit 1
fi
