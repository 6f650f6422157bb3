#!/usr/bin/env bash
# Ingestion benchmark: starts `rondo serve` on a temp workspace and a free loopback port,
# loads it with wrk (GET /healthz as the reference, POST /v1/track with one event per
# request, POST /v1/batch with 100), prints throughput, p50/p99 latency and the ratio to
# /healthz under the same load, then checks in SQLite that every acknowledged event was
# stored. Run by `make bench` (which builds ./rondo first); builds nothing itself.
#   BENCH_SECONDS  seconds per measured run (default 15)
#   BENCH_WARMUP   seconds of warm-up before each run (default 3)
#   BENCH_STRICT=1 exit 1 when a target is missed (default: only a data-check failure fails)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rondo=$root/rondo
secs=${BENCH_SECONDS:-15}
warm=${BENCH_WARMUP:-3}
wrk_threads=2
track_conns=32
batch_conns=8
batch_size=100

die() {
    echo "bench ingest: $*" >&2
    exit 1
}

[[ -x $rondo ]] || die "$rondo not found: run make first"
for tool in wrk sqlite3 curl awk; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ $secs =~ ^[1-9][0-9]*$ && $warm =~ ^[0-9]+$ ]] || die "BENCH_SECONDS and BENCH_WARMUP must be whole seconds"

work=$(mktemp -d "${TMPDIR:-/tmp}/rondo-bench.XXXXXX")
db=$work/bench.db
pid=
port=

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local rc=$?
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    if ((rc != 0)) && [[ -s $work/server.log ]]; then
        echo "bench ingest: last lines of the server log:" >&2
        tail -20 "$work/server.log" >&2
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# ---- helpers ----------------------------------------------------------------

sql() {
    sqlite3 -cmd '.timeout 10000' "$db" "$1"
}

# calc EXPR: floating-point arithmetic through awk; cond EXPR: 1 when true, else 0.
calc() {
    awk "BEGIN { printf \"%.6f\", $1 }" </dev/null
}

cond() {
    awk "BEGIN { print (($1) ? 1 : 0) }" </dev/null
}

# field LINE KEY: the value of KEY=value in a RESULT line.
field() {
    sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"
}

# metric NAME: one value from /metrics (counters without labels).
metric() {
    curl -fsS "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

# CPU seconds (user + system) so far: of the server, of every process on the machine, and of
# this shell's finished children (wrk) as `times` reports them.
hz=$(getconf CLK_TCK)
server_cpu() {
    awk -v hz="$hz" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"
}

machine_cpu() {
    awk -v hz="$hz" '$1 == "cpu" { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# Sets $children_cpu; `times` must run in this shell, not in a $(...) subshell.
children_cpu() {
    times >"$work/times"
    children_cpu=$(awk 'END { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
                              printf "%.2f", t }' "$work/times")
}

start_server() {
    "$rondo" init --db "$db" >"$work/init.txt"
    key=$(sed -n 's/^write key (source [^)]*): //p' "$work/init.txt")
    [[ -n $key ]] || die "no write key in the output of rondo init"
    for _ in $(seq 20); do
        port=$((20000 + RANDOM % 40000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            continue # something listens there already
        fi
        "$rondo" serve --db "$db" --listen "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
        pid=$!
        for _ in $(seq 200); do
            if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=
    done
    die "could not start rondo serve on a free port (see the server log)"
}

# Wait until the writer has committed what the connections wrk cut off had sent.
settle() {
    local prev=-1 cur
    for _ in $(seq 100); do
        cur=$(sql 'SELECT count(*) FROM events')
        if [[ $cur == "$prev" && $(metric rondo_write_queue_depth) == 0 ]]; then
            return 0
        fi
        prev=$cur
        sleep 0.2
    done
    die "the event count did not settle after wrk stopped"
}

# wrk_run NAME CONNS SECONDS SCRIPT PATH [SCRIPT ARGS...]: sets $result to the RESULT line
# and $cpu_line to the cores used meanwhile by the server, wrk and everything else.
wrk_run() {
    local name=$1 conns=$2 dur=$3 script=$4 path=$5
    shift 5
    local s0 w0 m0 t0 t1 srv wrk_cpu other
    s0=$(server_cpu)
    children_cpu
    w0=$children_cpu
    m0=$(machine_cpu)
    t0=$(date +%s.%N)
    if ! wrk -t"$wrk_threads" -c"$conns" -d"${dur}s" --latency -s "$here/$script" \
        "http://127.0.0.1:$port$path" -- "$@" >"$work/$name.out" 2>&1; then
        cat "$work/$name.out" >&2
        die "wrk failed for $name"
    fi
    t1=$(date +%s.%N)
    srv=$(calc "($(server_cpu) - $s0) / ($t1 - $t0)")
    children_cpu
    wrk_cpu=$(calc "($children_cpu - $w0) / ($t1 - $t0)")
    other=$(calc "($(machine_cpu) - $m0) / ($t1 - $t0) - $srv - $wrk_cpu")
    other=$(calc "$other < 0 ? 0 : $other")
    cpu_line="CPU: server $(fmt "$srv" 2), wrk $(fmt "$wrk_cpu" 2), other processes $(fmt "$other" 2) cores"
    if (($(cond "$other > 0.25"))); then
        cpu_line+=" (WARNING: other processes competed for the CPU)"
        noisy=1
    fi
    result=$(grep '^RESULT ' "$work/$name.out") || die "no RESULT line from $script"
}

data_ok=1
total_stored=0

# ingest_run NAME CONNS SECONDS SCRIPT PATH TAG [BATCH_SIZE]: one wrk run against an ingestion
# endpoint, then the data check: acknowledged events <= stored <= acknowledged + cut off.
ingest_run() {
    local name=$1 conns=$2 dur=$3 script=$4 path=$5 tag=$6 size=${7:-}
    local ev0 q0 commits0 jobs0 dup0
    ev0=$(sql 'SELECT count(*) FROM events')
    q0=$(sql 'SELECT count(*) FROM quarantine')
    commits0=$(metric rondo_commit_duration_seconds_count)
    jobs0=$(metric rondo_commit_jobs_total)
    dup0=$(metric rondo_events_duplicate_total)
    wrk_run "$name" "$conns" "$dur" "$script" "$path" "$key" "$tag" ${size:+"$size"}
    settle
    local ev1 q1 epr reqs sent non2xx sockerr
    ev1=$(sql 'SELECT count(*) FROM events')
    q1=$(sql 'SELECT count(*) FROM quarantine')
    commits=$(($(metric rondo_commit_duration_seconds_count) - commits0))
    jobs=$(($(metric rondo_commit_jobs_total) - jobs0))
    dups=$(($(metric rondo_events_duplicate_total) - dup0))
    epr=$(field "$result" events_per_request)
    reqs=$(field "$result" requests)
    sent=$(field "$result" sent)
    non2xx=$(field "$result" non2xx)
    sockerr=$(($(field "$result" err_connect) + $(field "$result" err_read) +
        $(field "$result" err_write) + $(field "$result" err_timeout)))
    acked=$(((reqs - non2xx) * epr))
    cutoff=$(((sent - reqs) * epr))
    stored=$((ev1 - ev0))
    quarantined=$((q1 - q0))
    total_stored=$((total_stored + stored))
    local verdict=OK
    if ((stored < acked || stored > acked + cutoff || non2xx > 0 || quarantined > 0 || dups > 0)); then
        verdict=FAILED
        data_ok=0
    fi
    check="$((reqs - non2xx)) 2xx x $epr = $acked events acknowledged; $stored stored"
    check+=" ($((stored - acked)) more from requests cut off when wrk stopped, at most $cutoff);"
    check+=" non-2xx $non2xx; socket errors $sockerr; duplicates $dups; quarantined $quarantined: $verdict"
}

# summarize NAME: derived figures from $result into fig[rps_NAME], fig[eps_NAME], ...
declare -A fig
summarize() {
    local name=$1 dur_s reqs non2xx epr
    dur_s=$(calc "$(field "$result" duration_us) / 1e6")
    reqs=$(field "$result" requests)
    non2xx=$(field "$result" non2xx)
    epr=$(field "$result" events_per_request)
    fig[rps_$name]=$(calc "$reqs / $dur_s")
    fig[eps_$name]=$(calc "($reqs - $non2xx) * $epr / $dur_s")
    fig[p50_$name]=$(calc "$(field "$result" p50_us) / 1000")
    fig[p99_$name]=$(calc "$(field "$result" p99_us) / 1000")
}

fmt() {
    LC_ALL=C printf "%.${2:-0}f" "$1"
}

indent() {
    sed -n '/^RESULT /!s/^/    /p' "$1"
}

# ---- runs -------------------------------------------------------------------

# The figures only mean something on an otherwise idle machine: say when it is not.
noisy=0
m0=$(machine_cpu)
sleep 1
busy_start=$(calc "$(machine_cpu) - $m0")
start_server
echo "bench ingest: rondo serve on 127.0.0.1:$port, workspace on $(df -PT "$work" | awk 'NR == 2 { print $2 }'),"
echo "  $(nproc) cores, wrk with $wrk_threads threads on the same machine, ${secs} s per run after ${warm} s warm-up"
echo "  CPU used by other processes before the runs: $(fmt "$busy_start" 2) cores"
if (($(cond "$busy_start > 0.25"))); then
    echo "  WARNING: the machine is not idle; the figures below will be low and noisy"
    noisy=1
fi

echo "== GET /healthz, $track_conns connections (reference)"
if ((warm > 0)); then
    wrk_run healthz-warm "$track_conns" "$warm" healthz.lua /healthz
fi
wrk_run healthz32 "$track_conns" "$secs" healthz.lua /healthz
indent "$work/healthz32.out"
echo "  $cpu_line"
summarize h32

echo "== GET /healthz, $batch_conns connections (reference for the batch run)"
wrk_run healthz8 "$batch_conns" "$secs" healthz.lua /healthz
indent "$work/healthz8.out"
echo "  $cpu_line"
summarize h8

run_tag=bench$$-$(date +%s)

echo "== POST /v1/track, $track_conns connections, 1 event per request"
if ((warm > 0)); then
    ingest_run track-warm "$track_conns" "$warm" track.lua /v1/track "$run_tag-tw"
    echo "  warm-up check: $check"
fi
ingest_run track "$track_conns" "$secs" track.lua /v1/track "$run_tag-t"
indent "$work/track.out"
summarize track
echo "  $cpu_line; $commits group commits of $(fmt "$(calc "$jobs / ($commits > 0 ? $commits : 1)")" 1) requests"
echo "  check: $check"

echo "== POST /v1/batch, $batch_conns connections, $batch_size events per request"
if ((warm > 0)); then
    ingest_run batch-warm "$batch_conns" "$warm" batch.lua /v1/batch "$run_tag-bw" "$batch_size"
    echo "  warm-up check: $check"
fi
ingest_run batch "$batch_conns" "$secs" batch.lua /v1/batch "$run_tag-b" "$batch_size"
indent "$work/batch.out"
summarize batch
echo "  $cpu_line; $commits group commits of $(fmt "$(calc "$jobs / ($commits > 0 ? $commits : 1)")" 1) requests"
echo "  check: $check"

# The same batches from as many connections as the track run: the writer's capacity when
# more requests share each group commit.
echo "== POST /v1/batch, $track_conns connections, $batch_size events per request"
ingest_run batch32 "$track_conns" "$secs" batch.lua /v1/batch "$run_tag-b32" "$batch_size"
indent "$work/batch32.out"
summarize batch32
echo "  $cpu_line; $commits group commits of $(fmt "$(calc "$jobs / ($commits > 0 ? $commits : 1)")" 1) requests"
echo "  check: $check"

# Stop as an operator would; everything acknowledged must still be there afterwards.
kill -TERM "$pid"
wait "$pid" || die "rondo serve exited with status $? on SIGTERM"
pid=
final=$(sql 'SELECT count(*) FROM events')
if ((final != total_stored)); then
    echo "bench ingest: after shutdown the workspace holds $final events, expected $total_stored" >&2
    data_ok=0
fi

# ---- summary ------------------------------------------------------------------

ratio() {
    fmt "$(calc "$1 / $2")" 2
}

pass_batch=$(cond "${fig[eps_batch]} >= 30000")
pass_track=$(cond "${fig[rps_track]} >= 10000 && ${fig[p99_track]} <= 20")
echo
echo "bench ingest: /healthz $(fmt "${fig[rps_h32]}") req/s at $track_conns conns (p50 $(fmt "${fig[p50_h32]}" 2) ms, p99 $(fmt "${fig[p99_h32]}" 2) ms), $(fmt "${fig[rps_h8]}") req/s at $batch_conns conns (p99 $(fmt "${fig[p99_h8]}" 2) ms)"
echo "bench ingest: /v1/batch $(fmt "${fig[eps_batch]}") events/s, $(fmt "${fig[rps_batch]}") req/s (p50 $(fmt "${fig[p50_batch]}" 1) ms, p99 $(fmt "${fig[p99_batch]}" 1) ms) = $(ratio "${fig[eps_batch]}" "${fig[rps_h8]}")x healthz req/s, p99 $(ratio "${fig[p99_batch]}" "${fig[p99_h8]}")x healthz p99"
echo "bench ingest: /v1/batch at $track_conns conns $(fmt "${fig[eps_batch32]}") events/s (p50 $(fmt "${fig[p50_batch32]}" 1) ms, p99 $(fmt "${fig[p99_batch32]}" 1) ms) = $(ratio "${fig[eps_batch32]}" "${fig[rps_h32]}")x healthz req/s"
echo "bench ingest: /v1/track $(fmt "${fig[rps_track]}") req/s (p50 $(fmt "${fig[p50_track]}" 1) ms, p99 $(fmt "${fig[p99_track]}" 1) ms) = $(ratio "${fig[eps_track]}" "${fig[rps_h32]}")x healthz req/s, p99 $(ratio "${fig[p99_track]}" "${fig[p99_h32]}")x healthz p99"
if ((data_ok)); then
    echo "bench ingest: data check: every acknowledged event is in the workspace ($final events), no non-2xx, no duplicates: OK"
else
    echo "bench ingest: data check: FAILED (see the check lines above)"
fi
if ((noisy)); then
    echo "bench ingest: WARNING: other processes used the CPU during the runs (see the CPU lines); figures are low"
fi
verdict=PASS
((pass_batch && pass_track)) || verdict=MISS
echo "bench ingest: targets: batch >= 30000 events/s (at $batch_conns conns) $( ((pass_batch)) && echo PASS || echo MISS)," \
    "track >= 10000 req/s with p99 <= 20 ms $( ((pass_track)) && echo PASS || echo MISS): $verdict"

((data_ok)) || exit 1
if [[ ${BENCH_STRICT:-0} == 1 && $verdict == MISS ]]; then
    exit 1
fi
exit 0
