#!/usr/bin/env bash
# Dunning benchmark: fee_collection's dunning run against OCA account_credit_control 18.0.
#
#   bash bench/bench_dunning.sh            # N = 10000 and 50000 (about 15 minutes on 2 cores)
#   bash bench/bench_dunning.sh 2000       # any list of N
#
# For each N it builds a database with fee_collection installed (no demo data, the retail dunning
# policy of its data file as the company default: SMS D+1, phone order D+10, visit + letter + late fee
# D+30, suspension D+60, disconnection + letter D+90, legal D+180), N subscribers each with one posted
# customer invoice due 1-200 days before the run date (uniformly spread; every second subscriber has an
# active service), then copies it, installs OCA account_credit_control into the copy with an equivalent
# policy (levels at 1/10/30/60/90/180 days, e-mail channel) and times on the same data and date:
#   fee_collection  fee.dunning.run action_compute(), then action_execute(); a run of more than 1,000
#                   lines is queued: its execution lasts until Odoo's scheduler has executed it, a
#                   committed batch of 1,000 lines at a time, in a cron worker process (with the
#                   scheduler's other jobs switched off), as a server started with --workers runs it
#   OCA             credit.control.run generate_credit_lines() (compute), then the marker wizard
#                   (mark the lines "to be sent") and run_channel_action() (execute: communications,
#                   e-mails rendered and queued)
# Wall clock includes the commit, queries are every statement executed by Odoo's cursors (in the cron
# worker process too), counted as bench/harness.py does for every benchmark. The results are checked
# (every line computed is executed, the run is done, and on day 1 every partner has one). It prints
# a table (also written to bench/results/dunning/table.md, raw figures beside it as JSON).
#
# OCA is installed from its PyPI wheel with --no-deps into .run/oca (outside the add-on, never
# committed) and is added to the addons path of the OCA databases only.
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD    run date (default today); day 2 is the day after. The job that executes a
#                            queued run also makes and computes today's run: above 1,000 partners,
#                            fee_collection's runs refuse any other date than today
#   BENCH_CRON_WORKERS=1     cron worker processes executing a queued run (one job and one company
#                            lock: a second has nothing to do)
#   BENCH_DAY2_MAX_N=10000   also run a second day (one more step) for N up to this
#   BENCH_OCA_EXEC_MAX=5000  OCA executes at most this many lines, the rest is extrapolated linearly
#                            (0: all); OCA's day 2 runs only where its day 1 executed every line
#   BENCH_NO_OCA=1           fee_collection only
#   BENCH_PROFILE=1          also profile fee_collection's days 1 and 2 (cProfile, SQL statements by
#                            shape) at N <= 10000 on a copy, into bench/results/dunning/profile-N-DAY-*
#   BENCH_KEEP=1             keep the benchmark databases (benchdun_*) afterwards
#   BENCH_HTTP_PORT=8469     port written into the benchmark's Odoo config (no server is started)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup benchdun "${BENCH_HTTP_PORT:-8469}" "$BENCH_DIR/results/dunning" "10000 50000" "$@"
DATE2=$(date -d "$DATE + 1 day" +%F)
DAY2_MAX_N=${BENCH_DAY2_MAX_N:-10000}
OCA_EXEC_MAX=${BENCH_OCA_EXEC_MAX:-5000}
OCA_CONF="$RUN_DIR/benchdun_oca.conf"
BASE_DB=benchdun_base

bench() { "$PYTHON" "$BENCH_DIR/bench_dunning.py" "$@"; }

# run_days SYSTEM CONF DB N DAYS PREFIX PROFILE [bench arguments]: SYSTEM's run on day 1 (and on
# day 2 if DAYS is 2) into PREFIX-DAY.json, profiled into PREFIX-DAY-* if PROFILE is not empty
run_days() {
    local system=$1 conf=$2 db=$3 n=$4 days=$5 prefix=$6 profile=$7 day date
    shift 7
    for day in $(seq 1 "$days"); do
        date=$DATE
        [ "$day" = 1 ] || date=$DATE2
        bench -c "$conf" -d "$db" "$system-run" --n "$n" --date "$date" --day "$day" \
            --out "$prefix-$day.json" ${profile:+--profile "$prefix-$day"} "$@"
    done
}

[ -n "${BENCH_NO_OCA:-}" ] || oca_addons "$RUN_DIR/oca" account_credit_control \
    'odoo-addon-account_credit_control>=18.0,<18.1' "$OCA_CONF"

say "Installing fee_collection into $BASE_DB"
created "$BASE_DB"
install_db "$ODOO_CONF" "$BASE_DB" fee_collection

for N in "${SIZES[@]}"; do
    FEE_DB=benchdun_fee_$N
    OCA_DB=benchdun_oca_$N
    created "$FEE_DB" "$OCA_DB"
    say "N=$N: generating the data ($DATE)"
    copy_db "$BASE_DB" "$FEE_DB"
    bench -c "$ODOO_CONF" -d "$FEE_DB" generate --n "$N" --date "$DATE"
    [ -n "${BENCH_NO_OCA:-}" ] || copy_db "$FEE_DB" "$OCA_DB"
    days=1
    [ "$N" -gt "$DAY2_MAX_N" ] || days=2
    if [ "${BENCH_PROFILE:-}" = 1 ] && [ "$N" -le 10000 ]; then
        created "benchdun_prof_$N"
        copy_db "$FEE_DB" "benchdun_prof_$N"
        say "N=$N: profiling fee_collection"
        run_days fee "$ODOO_CONF" "benchdun_prof_$N" "$N" 2 "$OUT/profile-$N" profile
        drop_db "benchdun_prof_$N"
    fi

    say "N=$N: fee_collection"
    run_days fee "$ODOO_CONF" "$FEE_DB" "$N" "$days" "$OUT/fee-$N" "" \
        --cron-workers "${BENCH_CRON_WORKERS:-1}"
    drop_case_db "$FEE_DB"

    [ -z "${BENCH_NO_OCA:-}" ] || continue
    say "N=$N: OCA account_credit_control"
    install_modules "$OCA_CONF" "$OCA_DB" account_credit_control
    bench -c "$OCA_CONF" -d "$OCA_DB" oca-setup
    # OCA's day 2 only where its day 1 executed every line
    [ "$OCA_EXEC_MAX" = 0 ] || [ "$N" -le "$OCA_EXEC_MAX" ] || days=1
    run_days oca "$OCA_CONF" "$OCA_DB" "$N" "$days" "$OUT/oca-$N" "" --exec-max "$OCA_EXEC_MAX"
    drop_case_db "$OCA_DB"
done

results_table bench_dunning.py "$DATE"
