#!/usr/bin/env bash
# E-mail benchmark (issue 7). BENCH_EMAIL_MESSAGES personalised e-mails (default 100,000) go
# from a scenario through `rondo serve` to postfix's smtp-sink on loopback: a schedule
# trigger enters every profile of a generated workspace (`rondo gen`, every profile given an
# e-mail opt-in), each run renders a template with the person's name and sends it; the
# dispatcher delivers them over BENCH_EMAIL_CONNECTIONS kept SMTP connections (default 8).
# Measured: from the moment the messages are queued until the last is recorded as sent.
# The reference, in the same run: postfix's own smtp-source sending as many messages of the
# same size to the same sink over as many parallel sessions (-d: connections kept).
# Target: at least 2,000 messages/s, and at least half of smtp-source's rate.
# (listmonk's maintainer reports about 50,000 a minute, 830/s, in production.)
#   RONDO_BIN      the binary to measure (default ./rondo)
#   BENCH_STRICT=1 exit 1 when a target is missed
set -euo pipefail
cd "$(dirname "$0")/.."
rondo=${RONDO_BIN:-./rondo}
want=${BENCH_EMAIL_MESSAGES:-100000}
conns=${BENCH_EMAIL_CONNECTIONS:-8}

die() {
    echo "bench email: $*" >&2
    exit 1
}
[[ -x $rondo ]] || die "$rondo not found: run make first"
for tool in sqlite3 awk curl smtp-sink smtp-source; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || die "$tool is not installed"
done
PATH=$PATH:/usr/sbin
[[ $want =~ ^[1-9][0-9]*$ ]] || die "BENCH_EMAIL_MESSAGES must be a positive whole number"

work=$(mktemp -d "${TMPDIR:-/tmp}/rondo-bench-email.XXXXXX")
pid=
sink=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for p in $pid $sink; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }" </dev/null; }
cond() { awk "BEGIN { print (($1) ? 1 : 0) }" </dev/null; }
fmt() { LC_ALL=C printf "%.${2:-0}f" "$1"; }
verdict() { (($(cond "$1"))) && echo PASS || echo MISS; }

# A workspace of about `want` profiles with an e-mail address, each opted in.
db=$work/bench.db
persons=$((want * 2 / 3 + 1000))
"$rondo" gen --profiles "$persons" --seed 11 --orders-scale 0.1 --events-scale 0.1 \
    --out "$work/data" >/dev/null
"$rondo" init --db "$db" >"$work/keys"
admin=$(grep -o 'rk_[A-Za-z0-9_-]*' "$work/keys" | head -1)
for src in webshop store app crm; do
    map=()
    [[ -e $work/data/$src.map.ini ]] && map=(--map "$work/data/$src.map.ini")
    "$rondo" import --db "$db" --source "$src" --table profiles "${map[@]}" --quiet --no-match \
        "$work/data/$src.profiles.csv" >/dev/null
done
sqlite3 "$db" "
  CREATE TEMP TABLE pick AS SELECT id FROM profiles
    WHERE merged_into IS NULL AND email IS NOT NULL ORDER BY id LIMIT $want;
  INSERT INTO consents(profile_id, channel, purpose, status, source, ts, updated_at)
    SELECT id, 'email', '', 'opted_in', 'bench', 0, 0 FROM pick WHERE true
    ON CONFLICT DO UPDATE SET status = 'opted_in';
  UPDATE profiles SET attributes = json_set(attributes, '$.bench', 1) WHERE id IN pick;"
n=$(sqlite3 "$db" "SELECT count(*) FROM profiles WHERE json_extract(attributes, '$.bench') = 1")

port=$((20000 + RANDOM % 20000))
smtp-sink -u "$(id -un)" 127.0.0.1:$port 1024 >"$work/sink.log" 2>&1 &
sink=$!
cat >"$work/template.json" <<'EOF'
{"name": "bench", "channel": "email",
 "subject": "{{profile.first_name | default: \"Hello\"}}, your offers of the week",
 "html": "<h1>Hello {{profile.first_name | default: \"there\"}}</h1><p>This week in {{profile.city | default: \"your shop\"}}: our selection for you, with free delivery from 50 euro.</p><p><a href=\"https://shop.example/offers\">See the offers</a></p>"}
EOF
cat >"$work/scenario.json" <<'EOF'
{"name": "bench", "definition": {
 "trigger": {"type": "schedule", "at": "2027-03-01T09:01:00Z", "segment": "bench"},
 "nodes": [{"id": "mail", "type": "send", "channel": "email", "template": "bench"}],
 "edges": [{"from": "trigger", "to": "mail"}]}}
EOF
"$rondo" segment create --db "$db" --name bench --rule 'attributes.bench = 1' >/dev/null
"$rondo" template put --db "$db" "$work/template.json" >/dev/null
sid=$("$rondo" scenario create --db "$db" "$work/scenario.json")
"$rondo" scenario activate --db "$db" "$sid" >/dev/null
for kv in "email.smtp_url smtp://127.0.0.1:$port" "email.from Shop <news@shop.example>" \
    "public_url https://shop.example" "email.connections $conns"; do
    read -r k v <<<"$kv"
    "$rondo" settings set --db "$db" "$k" "$v" >/dev/null
done

sport=$((20000 + RANDOM % 20000))
"$rondo" serve --db "$db" --listen "127.0.0.1:$sport" --clock "simulated=2027-03-01T09:00:00Z" \
    2>"$work/server.log" &
pid=$!
for _ in $(seq 1 600); do
    grep -q "segments: .* loaded" "$work/server.log" && break
    kill -0 "$pid" 2>/dev/null || die "rondo serve exited: $(tail -5 "$work/server.log")"
    sleep 0.2
done
advance() {
    curl -sS --max-time 900 -X POST -H "Authorization: Bearer $admin" \
        -H 'Content-Type: application/json' -d "{\"by\": \"$1\"}" \
        "http://127.0.0.1:$sport/api/v1/clock/advance" >/dev/null
}
advance 1s
t0=$(now)
advance 2m # the fire: every run renders and queues its e-mail; the dispatcher starts at once
queued_s=$(calc "$(now) - $t0")
total=$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE channel = 'email'")
[[ $total -ge $((n * 9 / 10)) ]] || die "only $total messages queued for $n profiles"
for _ in $(seq 1 6000); do
    left=$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE status = 'queued'" 2>/dev/null || echo 1)
    [[ $left == 0 ]] && break
    sleep 0.1
done
send_s=$(calc "$(now) - $t0")
sent=$(sqlite3 "$db" "SELECT count(*) FROM messages WHERE status = 'sent'")
[[ $sent == "$total" ]] || die "$sent of $total sent: $(sqlite3 "$db" "SELECT status, count(*), max(last_error) FROM messages GROUP BY 1")"
size=$(sqlite3 "$db" "SELECT CAST(avg(length(subject) + length(body) + length(html)) AS INTEGER) + 900 FROM messages")

# The reference: smtp-source, as many messages of that size, as many sessions.
t0=$(now)
smtp-source -d -s "$conns" -m "$total" -l "$size" -f news@shop.example -t someone@example.be \
    127.0.0.1:$port >/dev/null 2>&1
ref_s=$(calc "$(now) - $t0")

rate=$(calc "$sent / $send_s")
ref_rate=$(calc "$total / $ref_s")
ratio=$(calc "$rate / $ref_rate")
deliver=$(calc "$sent / ($send_s - $queued_s)")
echo "bench email: $sent personalised e-mails of about $size bytes to smtp-sink over $conns" \
    "connections in $(fmt "$send_s" 2) s: $(fmt "$rate") messages/s, rendering included" \
    "(rendered and queued in $(fmt "$queued_s" 2) s; delivery alone $(fmt "$deliver") messages/s)"
echo "  smtp-source, $total messages of $size bytes over $conns sessions: $(fmt "$ref_s" 2) s," \
    "$(fmt "$ref_rate") messages/s; rondo reaches $(fmt "$ratio" 2)x its rate" \
    "($(fmt "$(calc "$deliver / $ref_rate")" 2)x for delivery alone)"
v1=$(verdict "$rate >= 2000")
v2=$(verdict "$ratio >= 0.5")
echo "  target: at least 2,000 messages/s: $v1 ($(fmt "$rate"))"
echo "  target: at least half of smtp-source's rate: $v2 ($(fmt "$ratio" 2)x)"
if [[ ${BENCH_STRICT:-0} == 1 && ($v1 == MISS || $v2 == MISS) ]]; then
    exit 1
fi
