#!/usr/bin/env bash
# Import benchmark: `rondo gen` writes dirty multi-source data; `rondo import` loads every
# source's profile file (about BENCH_ROWS rows in all) with every cleaning rule on. The
# reference, measured in the same run on the same files, is the sqlite3 command-line tool's
# `.import` into one plain table per file with no cleaning and no indexes: the storage
# ceiling. Prints rows/s for both and their ratio, then checks that every row was imported
# or quarantined, and that importing the same files again changes nothing. Also prints how
# fast `rondo gen` wrote the data (target: 1M persons in 30 s).
# Run by `make bench` (which builds ./rondo first).
#   BENCH_ROWS     profile rows to import (default 1000000)
#   BENCH_STRICT=1 exit 1 when the 100,000 rows/s target is missed
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rondo=$root/rondo
rows=${BENCH_ROWS:-1000000}
target=100000

die() {
    echo "bench import: $*" >&2
    exit 1
}

[[ -x $rondo ]] || die "$rondo not found: run make first"
command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
[[ $rows =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROWS must be a positive whole number"

work=$(mktemp -d "${TMPDIR:-/tmp}/rondo-bench-import.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# rondo gen makes about two profile records per person.
persons=$((rows / 2))
echo "bench import: generating $persons persons ..."
t0=$(now)
"$rondo" gen --profiles "$persons" --seed 11 --out "$work/data" >/dev/null
t1=$(now)
printf '%-44s %10s persons/s  (1M persons in %.1f s; target 30 s)\n' "rondo gen" \
    "$(rate "$persons" "$t0" "$t1")" "$(awk -v a="$t0" -v b="$t1" -v n="$persons" 'BEGIN { print (b - a) * 1000000 / n }')"
sources=(webshop store app crm)
# truth.csv has one line per profile record (the CSV files may hold quoted line breaks)
total=$(($(wc -l <"$work/data/truth.csv") - 1))
echo "bench import: $total profile rows in ${#sources[@]} files ($(du -sh "$work/data" | cut -f1) of CSV)"

# The reference: sqlite3's own CSV import, one plain table per file.
ref_db=$work/ref.db
t0=$(now)
for src in "${sources[@]}"; do
    sep=,
    [[ $src == store || $src == crm ]] && sep=';'
    sqlite3 "$ref_db" ".mode csv" ".separator '$sep'" ".import $work/data/$src.profiles.csv $src"
done
t1=$(now)
ref_rate=$(rate "$total" "$t0" "$t1")

# rondo: every rule on, raw records, identities, corrections, quality bits.
db=$work/bench.db
"$rondo" init --db "$db" >/dev/null
imported=0
quarantined=0
t0=$(now)
for src in "${sources[@]}"; do
    map=()
    [[ -e $work/data/$src.map.ini ]] && map=(--map "$work/data/$src.map.ini")
    out=$("$rondo" import --db "$db" --source "$src" --table profiles "${map[@]}" --json --quiet \
        "$work/data/$src.profiles.csv")
    imported=$((imported + $(sed -n 's/.*"imported":\([0-9]*\).*/\1/p' <<<"$out")))
    quarantined=$((quarantined + $(sed -n 's/.*"quarantined":\([0-9]*\).*/\1/p' <<<"$out")))
done
t1=$(now)
rondo_rate=$(rate "$total" "$t0" "$t1")
ratio=$(awk -v a="$rondo_rate" -v b="$ref_rate" 'BEGIN { printf "%.2f", a / b }')

printf '%-44s %10s rows/s\n' "sqlite3 .import, no cleaning (reference)" "$ref_rate"
printf '%-44s %10s rows/s  (%.2fx the reference; target %d rows/s: %s)\n' \
    "rondo import, every rule on" "$rondo_rate" "$ratio" "$target" \
    "$( ((rondo_rate >= target)) && echo PASS || echo MISS)"

# Nothing lost: every row imported or quarantined; a second import changes nothing.
((imported + quarantined == total)) ||
    die "imported $imported + quarantined $quarantined != $total rows"
t0=$(now)
unchanged=0
for src in "${sources[@]}"; do
    map=()
    [[ -e $work/data/$src.map.ini ]] && map=(--map "$work/data/$src.map.ini")
    out=$("$rondo" import --db "$db" --source "$src" --table profiles "${map[@]}" --json --quiet \
        "$work/data/$src.profiles.csv")
    unchanged=$((unchanged + $(sed -n 's/.*"unchanged":\([0-9]*\).*/\1/p' <<<"$out")))
done
t1=$(now)
printf '%-44s %10s rows/s  (%d of %d rows unchanged)\n' "rondo import again (nothing to do)" \
    "$(rate "$total" "$t0" "$t1")" "$unchanged" "$imported"
((unchanged == imported)) || die "the second import changed $((imported - unchanged)) rows"

if [[ ${BENCH_STRICT:-0} == 1 ]] && ((rondo_rate < target)); then
    exit 1
fi
