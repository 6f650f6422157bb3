#!/usr/bin/env bash
# `make run`: creates demo.db with demo data when absent, then starts rondo on
# 127.0.0.1:8080 and prints the keys and commands to try; the starter scenarios are active.
# demo.keys keeps the demo workspace's keys so later runs can print them again;
# a real workspace's keys are shown once only.
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${RONDO_DB:-demo.db}
LISTEN=${RONDO_LISTEN:-127.0.0.1:8080}
KEYS=${DB%.db}.keys

if [ ! -e "$DB" ]; then
  ./rondo init --db "$DB" > "$KEYS"
  chmod 600 "$KEYS"
  # Dirty data from four sources, as a company has it: imported and cleaned.
  DATA=${DB%.db}-data
  ./rondo gen --profiles 2000 --seed 7 --out "$DATA"
  for table in profiles orders order_lines events consents; do
    for src in webshop store app crm; do
      f="$DATA/$src.$table.csv"
      [ -e "$f" ] || continue
      map=()
      [ -e "$DATA/$src.map.ini" ] && map=(--map "$DATA/$src.map.ini")
      ./rondo import --db "$DB" --source "$src" --table "$table" "${map[@]}" "$f" | sed -n 1p
    done
  done
  echo
  ./rondo quality --db "$DB" | sed -n 1,40p  # sed reads it all: no SIGPIPE under pipefail
  echo "(the whole report: ./rondo quality --db $DB --format html > quality.html)"
  # One profile per person: the sources' records of each customer merged.
  ./rondo resolve --db "$DB" --truth "$DATA/truth.csv" | sed -n '1,4p;/against the truth/p'
  echo "(why records are one profile: ./rondo explain --db $DB PROFILE_ID)"
  # And live activity through the Segment API, as the SDKs send it; from now
  # on each new record is matched as it arrives.
  ./rondo demo --db "$DB" --people 300
  # The starter scenarios, active: from now on they react to what people do
  # (their messages go to the outbox: GET /api/v1/messages).
  ./rondo template put --db "$DB" examples/scenarios/templates/*.json > /dev/null
  for f in examples/scenarios/*.json; do
    id=$(./rondo scenario create --db "$DB" "$f")
    ./rondo scenario activate --db "$DB" "$id" > /dev/null
  done
  ./rondo scenario list --db "$DB"
fi

admin=$(sed -n 's/^admin key: //p' "$KEYS" 2>/dev/null || true)
write=$(sed -n 's/^write key (source default): //p' "$KEYS" 2>/dev/null || true)
base="http://$LISTEN"

cat <<MSG

rondo demo workspace: $DB
  admin key:                  ${admin:-"(not known: see rondo key create)"}
  write key (source default): ${write:-"(not known: see rondo key create)"}

Try:
  curl -s -u '$write:' $base/v1/identify -H 'Content-Type: application/json' \\
       -d '{"userId":"u-42","traits":{"email":"ann.peeters@telenet.be","firstName":"Ann","lastName":"Peeters"}}'
  curl -s -H 'Authorization: Bearer $admin' '$base/api/v1/profiles?identity=email:ann.peeters@telenet.be'
  curl -s -H 'Authorization: Bearer $admin' $base/api/v1/profiles/1
  curl -s -H 'Authorization: Bearer $admin' '$base/api/v1/quality?format=html' > quality.html
  curl -s -u '$write:' $base/v1/track -H 'Content-Type: application/json' \\
       -d '{"userId":"u-42","event":"Signed Up"}'          # the welcome series starts
  curl -s -H 'Authorization: Bearer $admin' '$base/api/v1/messages?limit=5'   # the outbox
  curl -s -H 'Authorization: Bearer $admin' $base/api/v1/scenarios

Stop with Ctrl-C.
MSG

exec ./rondo serve --db "$DB" --listen "$LISTEN"
