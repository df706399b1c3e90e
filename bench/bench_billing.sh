#!/usr/bin/env bash
# Billing benchmark: fee_collection's billing run against OCA contract 18.0's recurring invoicing.
#
#   bash bench/bench_billing.sh              # N = 1000 and 10000 (about 20 minutes on 2 cores)
#   bash bench/bench_billing.sh 500 2000     # any list of N
#
# Builds two databases without demo data: fee_bench (fee_collection) and fee_bench_oca (OCA contract
# with the same core modules as fee_collection: account, mail, sms, contacts). Every case runs on a
# fresh copy of one of them (dropped afterwards): N subscribers, each with one active monthly service
# (and, for N up to BENCH_SERVICES2_MAX_N, a second case with 2 services each), created in batches
# through the ORM; then it times, on a cold cache and up to the commit:
#   fee_collection  fee.billing.run.create({"date": D}).action_run()   -> N posted invoices
#                   (above 1,000 services the run is queued: Odoo's scheduler bills it a committed
#                   batch at a time, with its other jobs switched off, in two cron worker
#                   processes as a server started with --workers runs them by default)
#   OCA contract    contract.contract.cron_recurring_create_invoice(D)  -> N draft invoices,
#                   then action_post() on them                          -> N posted invoices
# and counts the SQL statements executed by Odoo's cursors (in the cron worker processes too), as
# bench/harness.py does for every benchmark. Both bill the same products and taxes, and the
# results are checked (N posted invoices, N x services lines, the expected untaxed total).
# It prints a table (also written to bench/results/billing/table.md, raw figures beside it as JSON),
# then profiles fee_collection at the smallest N (cProfile + SQL statements by shape) into
# bench/results/billing/profile-fee-N-run-*.txt.
#
# OCA contract is installed from its PyPI wheel with --no-deps into .run/oca-contract (outside the
# add-on, never committed) and is on the addons path of the fee_bench_oca databases only.
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD       billing date (default today); services and contracts start on it
#   BENCH_SERVICES2_MAX_N=1000  also bill 2 services per subscriber for N up to this (0: never)
#   BENCH_OCA_MAX_N=10000       run OCA contract for N up to this (0: fee_collection only)
#   BENCH_CRON_WORKERS=2        cron worker processes billing a queued run (1: a single one)
#   BENCH_PROFILE=0             skip the profile (which bills with the jobs run in-process)
#   BENCH_KEEP=1                keep the per-case databases (fee_bench_*_nN_kK)
#   BENCH_HTTP_PORT=8269        port written into the benchmark's Odoo config (no server is started)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup bench "${BENCH_HTTP_PORT:-8269}" "$BENCH_DIR/results/billing" "1000 10000" "$@"
SERVICES2_MAX_N=${BENCH_SERVICES2_MAX_N:-1000}
OCA_MAX_N=${BENCH_OCA_MAX_N:-10000}
OCA_CONF="$RUN_DIR/bench_oca.conf"
FEE_DB=fee_bench
OCA_DB=fee_bench_oca

# run_case SYSTEM N SERVICES [extra bench arguments]: one measurement on a fresh copy
run_case() {
    local system=$1 n=$2 services=$3 template=$FEE_DB conf=$ODOO_CONF db
    shift 3
    if [ "$system" = oca ]; then template=$OCA_DB conf=$OCA_CONF; fi
    db="${template}_n${n}_k${services}"
    created "$db"
    copy_db "$template" "$db"
    say "$system: N=$n, $services service(s) each"
    "$PYTHON" "$BENCH_DIR/bench_billing.py" -c "$conf" -d "$db" "$system" --n "$n" \
        --services "$services" --date "$DATE" "$@"
    drop_case_db "$db"
}

need_oca=0
for n in "${SIZES[@]}"; do [ "$n" -gt "$OCA_MAX_N" ] || need_oca=1; done
if [ "$need_oca" = 1 ]; then
    oca_addons "$RUN_DIR/oca-contract" contract 'odoo-addon-contract>=18.0,<18.1' "$OCA_CONF"
    say "Installing OCA contract into $OCA_DB"
    install_db "$OCA_CONF" "$OCA_DB" contract,mail,sms,contacts
fi
say "Installing fee_collection into $FEE_DB"
install_db "$ODOO_CONF" "$FEE_DB" fee_collection

for services in 1 2; do
    for n in "${SIZES[@]}"; do
        [ "$services" = 1 ] || [ "$n" -le "$SERVICES2_MAX_N" ] || continue
        run_case fee "$n" "$services" --out "$OUT/fee-$n-$services.json" \
            --cron-workers "${BENCH_CRON_WORKERS:-2}"
        [ "$n" -le "$OCA_MAX_N" ] || continue
        run_case oca "$n" "$services" --out "$OUT/oca-$n-$services.json"
    done
done

results_table bench_billing.py "$DATE"

if [ "${BENCH_PROFILE:-1}" = 1 ]; then
    smallest=$(printf '%s\n' "${SIZES[@]}" | sort -n | head -1)
    say "Profiling fee_collection at N=$smallest (cProfile slows it down: not a timing)"
    run_case fee "$smallest" 1 --out "$OUT/profile-fee-$smallest.json" \
        --profile "$OUT/profile-fee-$smallest"
    head -n 40 "$OUT/profile-fee-$smallest-run-cumulative.txt"
    say "Profile: $OUT/profile-fee-$smallest-run-{cumulative,tottime,statements}.txt"
fi
