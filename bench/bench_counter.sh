#!/usr/bin/env bash
# Counter benchmark: a payment at fee_collection's counter against Odoo's payment wizard on the same
# kind of invoices, and the backfill of paper receipts.
#
#   bash bench/bench_counter.sh              # N = 100000 subscribers (about 25 minutes on 2 cores)
#   bash bench/bench_counter.sh 5000         # any list of N
#
# For each N it builds a database with fee_collection installed (no demo data) and N subscribers,
# each with an active service (BENCH-NNNNNN) and monthly invoices of one 30.00 line: BENCH_SAMPLES of
# them have 12 open invoices, the others 5 (the last open, the 4 before paid by a payment each in the
# cash journal, with its receipt): at N = 100,000, about 500,000 invoices and 1,000,000 invoice lines.
# Then, as the cashier bench_cashier with an open cash session (Odoo's wizard as the accountant
# bench_accountant: cashiers have no Billing rights), each payment a request (a new
# transaction and environment, up to its commit), for BENCH_PAYMENTS subscribers with 12 open
# invoices per system (a different subscriber each time), in turn, after 3 warm-up payments each:
#   counter         fee.counter.payment.create({"search_text": service number}), action_pay()
#   wizard          account.payment.register (the 12 invoices, cash journal, one payment),
#                   _create_payments()
#   wizard-default  the same with the wizard's default: one payment per invoice
# and reports the median and 95th percentile of time and queries, counted as bench/harness.py does
# for every benchmark. Then it profiles BENCH_PROFILE_PAYMENTS more payments of the counter and the
# wizard (cProfile and statements by shape with the code that runs them) into
# bench/results/counter/profile-N-*. Last, the backfill: for each of BENCH_BACKFILL_ROWS, a CSV of
# that many paper receipts of subscribers with one open invoice, imported by the cashier: checked,
# posted (through the batch path, all rows in one transaction), then imported again (which must post
# nothing); beside it, BENCH_ONE_BY_ONE rows of other subscribers posted one at a time by
# res.partner._fee_collect (the backfill's path until the batch path), and BENCH_PAYMENTS_ALONE
# payments of others created and posted alone (Odoo's part of the batch path: the payments, their
# entries and numbers, without reconciliation or receipt), for comparison: N must be at least the
# rows plus these. It prints the tables (also
# written to bench/results/counter/table.md, raw figures beside them as JSON).
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD            date of the payments (default today); invoices are monthly before it
#   BENCH_SAMPLES=400                subscribers with 12 open invoices
#   BENCH_PAYMENTS=100               measured payments per system
#   BENCH_SYSTEMS=counter,wizard,wizard-default
#   BENCH_PROFILE_PAYMENTS=20        profiled payments of the counter and the wizard (0: none)
#   BENCH_BACKFILL_ROWS="1000 10000" rows of each backfill file, smallest first (empty: no backfill)
#   BENCH_ONE_BY_ONE=500             rows posted one at a time beside each backfill (0: none)
#   BENCH_PAYMENTS_ALONE=1000        payments created and posted alone beside each backfill (0: none)
#   BENCH_BACKFILL_MAX_S=1200        a backfill whose posting the previous one predicts (linearly) to
#                                    take longer is not run: its figures are the previous ones scaled
#   BENCH_KEEP=1                     keep the benchmark databases (benchctr_*)
#   BENCH_HTTP_PORT=8569             port written into the benchmark's Odoo config (no server is started)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup benchctr "${BENCH_HTTP_PORT:-8569}" "$BENCH_DIR/results/counter" "100000" "$@"
SAMPLES=${BENCH_SAMPLES:-400}
PAYMENTS=${BENCH_PAYMENTS:-100}
SYSTEMS=${BENCH_SYSTEMS:-counter,wizard,wizard-default}
PROFILE_PAYMENTS=${BENCH_PROFILE_PAYMENTS:-20}
read -ra BACKFILL_ROWS <<< "${BENCH_BACKFILL_ROWS-1000 10000}"
BACKFILL_MAX_S=${BENCH_BACKFILL_MAX_S:-1200}
ONE_BY_ONE=${BENCH_ONE_BY_ONE:-500}
PAYMENTS_ALONE=${BENCH_PAYMENTS_ALONE:-1000}
BASE_DB=benchctr_base

bench() { "$PYTHON" "$BENCH_DIR/bench_counter.py" -c "$ODOO_CONF" "$@"; }

say "Installing fee_collection into $BASE_DB"
created "$BASE_DB"
install_db "$ODOO_CONF" "$BASE_DB" fee_collection

for N in "${SIZES[@]}"; do
    DB=benchctr_$N
    created "$DB"
    copy_db "$BASE_DB" "$DB"
    say "N=$N: generating the data ($DATE)"
    bench -d "$DB" generate --n "$N" --samples "$SAMPLES" --date "$DATE"
    say "N=$N: payments ($PAYMENTS per system: $SYSTEMS)"
    bench -d "$DB" payments --n "$N" --date "$DATE" --payments "$PAYMENTS" --systems "$SYSTEMS" \
        --out "$OUT/fee-$N-payments.json"
    if [ "$PROFILE_PAYMENTS" -gt 0 ]; then
        say "N=$N: profiling $PROFILE_PAYMENTS payments of the counter and the wizard (not a timing)"
        bench -d "$DB" payments --n "$N" --date "$DATE" --payments "$PROFILE_PAYMENTS" \
            --systems counter,wizard --out "$OUT/profile-$N.json" --profile "$OUT/profile-$N"
        say "Profiles: $OUT/profile-$N-*-{cumulative,tottime,statements}.txt"
    fi
    after=()
    for rows in "${BACKFILL_ROWS[@]}"; do
        say "N=$N: backfill of $rows paper receipts"
        bench -d "$DB" backfill --n "$N" --date "$DATE" --rows "$rows" "${after[@]}" \
            --one-by-one "$ONE_BY_ONE" \
            --payments-alone "$PAYMENTS_ALONE" \
            --max-seconds "$BACKFILL_MAX_S" --out "$OUT/fee-$N-backfill-$rows.json"
        after=(--after "$OUT/fee-$N-backfill-$rows.json")
    done
    drop_case_db "$DB"
done

results_table bench_counter.py "$DATE"
