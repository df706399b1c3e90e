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
#   fee_collection  fee.dunning.run action_compute(), then action_execute()
#   OCA             credit.control.run generate_credit_lines() (compute), then the marker wizard
#                   (mark the lines "to be sent") and run_channel_action() (execute: communications,
#                   e-mails rendered and queued)
# Wall clock includes the commit, queries are every statement sent by Odoo's cursors. It prints a
# table (also written to bench/results/dunning/table.md, raw figures beside it as JSON).
#
# OCA is installed from its PyPI wheel with --no-deps into .run/oca (outside the add-on, never
# committed) and is added to the addons path of the OCA databases only.
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD    run date (default today); day 2 is the day after
#   BENCH_DAY2_MAX_N=10000   also run a second day (one more step) for N up to this
#   BENCH_OCA_EXEC_MAX=5000  OCA executes at most this many lines, the rest is extrapolated linearly
#                            (0: all); OCA's day 2 runs only where its day 1 executed every line
#   BENCH_NO_OCA=1           fee_collection only
#   BENCH_PROFILE=1          also profile fee_collection's days 1 and 2 (cProfile, SQL statements by
#                            shape) at N <= 10000 on a copy, into bench/results/dunning/profile-N-DAY-*
#   BENCH_KEEP=1             keep the benchmark databases (benchdun_*) afterwards
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
source "$BENCH_DIR/../scripts/setup.sh"
setup_all benchdun "${BENCH_HTTP_PORT:-8469}"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 50000)
DATE=${BENCH_DATE:-$(date +%F)}
DATE2=$(date -d "$DATE + 1 day" +%F)
DAY2_MAX_N=${BENCH_DAY2_MAX_N:-10000}
OCA_EXEC_MAX=${BENCH_OCA_EXEC_MAX:-5000}
OUT="$BENCH_DIR/results/dunning"
OCA_DIR="$RUN_DIR/oca"
OCA_CONF="$RUN_DIR/benchdun_oca.conf"
BASE_DB=benchdun_base
mkdir -p "$OUT"
rm -f "$OUT"/*.json

bench() { "$PYTHON" "$BENCH_DIR/bench_dunning.py" "$@"; }

copy_db() {
    drop_db "$2"
    psql_cmd -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\""
    [ ! -d "$RUN_DIR/data/filestore/$1" ] || cp -r "$RUN_DIR/data/filestore/$1" "$RUN_DIR/data/filestore/$2"
}

created=()
cleanup() {
    [ "${BENCH_KEEP:-}" = 1 ] && return 0
    local db
    for db in "${created[@]}"; do drop_db "$db" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

if [ -z "${BENCH_NO_OCA:-}" ]; then
    if [ ! -d "$OCA_DIR/odoo/addons/account_credit_control" ]; then
        say "Installing OCA account_credit_control 18.0 (wheel, no dependencies) into $OCA_DIR"
        "$PYTHON" -m pip install -q --no-deps --target "$OCA_DIR" \
            'odoo-addon-account_credit_control>=18.0,<18.1'
    fi
    sed "s|^addons_path = .*|&,$OCA_DIR/odoo/addons|" "$ODOO_CONF" > "$OCA_CONF"
fi

say "Installing fee_collection into $BASE_DB"
drop_db "$BASE_DB"
created+=("$BASE_DB")
odoo_cmd -c "$ODOO_CONF" -d "$BASE_DB" -i fee_collection --without-demo=all --stop-after-init \
    --log-level=warn

for N in "${SIZES[@]}"; do
    FEE_DB=benchdun_fee_$N
    OCA_DB=benchdun_oca_$N
    created+=("$FEE_DB" "$OCA_DB")
    say "N=$N: generating the data ($DATE)"
    copy_db "$BASE_DB" "$FEE_DB"
    bench -c "$ODOO_CONF" -d "$FEE_DB" generate --n "$N" --date "$DATE"
    [ -n "${BENCH_NO_OCA:-}" ] || copy_db "$FEE_DB" "$OCA_DB"
    if [ "${BENCH_PROFILE:-}" = 1 ] && [ "$N" -le 10000 ]; then
        created+=("benchdun_prof_$N")
        copy_db "$FEE_DB" "benchdun_prof_$N"
        say "N=$N: profiling fee_collection"
        bench -c "$ODOO_CONF" -d "benchdun_prof_$N" fee-run --n "$N" --date "$DATE" \
            --out "$OUT/profile-$N-1.json" --profile "$OUT/profile-$N-1"
        bench -c "$ODOO_CONF" -d "benchdun_prof_$N" fee-run --n "$N" --date "$DATE2" --day 2 \
            --out "$OUT/profile-$N-2.json" --profile "$OUT/profile-$N-2"
        drop_db "benchdun_prof_$N"
    fi

    say "N=$N: fee_collection"
    bench -c "$ODOO_CONF" -d "$FEE_DB" fee-run --n "$N" --date "$DATE" --out "$OUT/fee-$N-1.json"
    if [ "$N" -le "$DAY2_MAX_N" ]; then
        bench -c "$ODOO_CONF" -d "$FEE_DB" fee-run --n "$N" --date "$DATE2" --day 2 \
            --out "$OUT/fee-$N-2.json"
    fi
    [ "${BENCH_KEEP:-}" = 1 ] || drop_db "$FEE_DB"

    [ -z "${BENCH_NO_OCA:-}" ] || continue
    say "N=$N: OCA account_credit_control"
    odoo_cmd -c "$OCA_CONF" -d "$OCA_DB" -i account_credit_control --without-demo=all \
        --stop-after-init --log-level=warn
    bench -c "$OCA_CONF" -d "$OCA_DB" oca-setup
    bench -c "$OCA_CONF" -d "$OCA_DB" oca-run --n "$N" --date "$DATE" --exec-max "$OCA_EXEC_MAX" \
        --out "$OUT/oca-$N-1.json"
    if [ "$N" -le "$DAY2_MAX_N" ] && { [ "$OCA_EXEC_MAX" = 0 ] || [ "$N" -le "$OCA_EXEC_MAX" ]; }; then
        bench -c "$OCA_CONF" -d "$OCA_DB" oca-run --n "$N" --date "$DATE2" --day 2 \
            --exec-max "$OCA_EXEC_MAX" --out "$OUT/oca-$N-2.json"
    fi
    [ "${BENCH_KEEP:-}" = 1 ] || drop_db "$OCA_DB"
done

say "Results ($DATE, $(nproc) cores)"
shopt -s nullglob
bench table "$OUT"/fee-*.json "$OUT"/oca-*.json | tee "$OUT/table.md"
