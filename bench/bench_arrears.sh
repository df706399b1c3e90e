#!/usr/bin/env bash
# Arrears benchmark: fee_collection's arrears analysis (by month x area x product, today) and aging as of
# a past date (by subscriber, by branch) over about 1,000,000 receivable items, beside OCA
# account_financial_report's aged partner balance as of the same date on the same data.
#
#   bash bench/bench_arrears.sh              # N = 21500 subscribers: about 1,000,000 receivable items
#   bash bench/bench_arrears.sh 430 21500    # any list of N (430: about 20,000 items, a quick check)
#
# For each N it builds a database with fee_collection installed (no demo data) and N subscribers in 36
# grids under 3 branches, billed monthly for 24 months (one 30.00 line, or two lines of 20.00 and 10.00,
# of three fee items), most invoices paid by a payment each (fully reconciled), some in part (a partial
# reconciliation), some refunded by a credit note, the others open, and a few payments applied to
# nothing: about 46 receivable items (invoices' and payments') per subscriber; the analysis' facts are
# then rebuilt from the ledger (timed), as on installation into a database with a ledger. Then, as an accountant
# (Fee Collection / Accountant), each a request (a new cursor and environment, up to its commit), after
# warm-up ones:
#   analysis        fee.arrears.report web_read_group by date:month, area_id, product_id (billed,
#                   collected, overdue, arrears_rate), as of today
#   aging-partner   _read_group by partner_id of open_amount and age_*, fee_as_of = the past date
#   aging-branch    the same by branch_id
# checks that open + unapplied as of the past date is the subscribers' receivable balance in the ledger
# at that date, to the cent, and writes the plans (EXPLAIN ANALYZE, BUFFERS) of the longest statement of
# each request to bench/results/arrears/plans-N-*.txt. Then it copies the database, installs OCA
# account_financial_report into the copy and times its aged partner balance as of the same date (all
# partners, receivable accounts, no move line details: the wizard, then the report's
# _get_report_values, what its qweb-html report computes), by the same user, the same way. It prints
# the table (also written to bench/results/arrears/table.md, raw figures beside it as JSON).
#
# OCA account_financial_report and the OCA modules it depends on (date_range, report_xlsx) are installed
# from their PyPI wheels with --no-deps into .run/oca-afr (outside the add-on, never committed) and
# added to the addons path of the OCA database only.
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD       today of the data (default today); the 24 months end with its month
#   BENCH_AS_OF_MONTHS=6        the aging is as of this many months before BENCH_DATE
#   BENCH_REQUESTS=10           measured requests of each fee_collection operation (after 2 warm-up)
#   BENCH_OCA_REQUESTS=5        measured requests of OCA's report (after 2 warm-up)
#   BENCH_NO_OCA=1              fee_collection only
#   BENCH_KEEP=1                keep the benchmark databases (bencharr_*)
#   BENCH_HTTP_PORT=8571        port written into the benchmark's Odoo config (no server is started)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup bencharr "${BENCH_HTTP_PORT:-8571}" "$BENCH_DIR/results/arrears" "21500" "$@"
AS_OF=$(date -d "$DATE -${BENCH_AS_OF_MONTHS:-6} months" +%F)
REQUESTS=${BENCH_REQUESTS:-10}
OCA_REQUESTS=${BENCH_OCA_REQUESTS:-5}
OCA_CONF="$RUN_DIR/bencharr_oca.conf"
BASE_DB=bencharr_base

bench() { "$PYTHON" "$BENCH_DIR/bench_arrears.py" "$@"; }

say "Installing fee_collection into $BASE_DB"
created "$BASE_DB"
install_db "$ODOO_CONF" "$BASE_DB" fee_collection
[ -n "${BENCH_NO_OCA:-}" ] || oca_addons "$RUN_DIR/oca-afr" account_financial_report \
    'odoo-addon-account_financial_report>=18.0,<18.1' "$OCA_CONF" \
    'odoo-addon-date_range>=18.0,<18.1' 'odoo-addon-report_xlsx>=18.0,<18.1'

for N in "${SIZES[@]}"; do
    DB=bencharr_$N
    OCA_DB=bencharr_oca_$N
    created "$DB" "$OCA_DB"
    copy_db "$BASE_DB" "$DB"
    say "N=$N: generating the data ($DATE)"
    bench -c "$ODOO_CONF" -d "$DB" generate --n "$N" --date "$DATE"
    [ -n "${BENCH_NO_OCA:-}" ] || copy_db "$DB" "$OCA_DB"
    say "N=$N: fee_collection ($REQUESTS requests of each; aging as of $AS_OF)"
    bench -c "$ODOO_CONF" -d "$DB" fee --n "$N" --date "$DATE" --as-of "$AS_OF" \
        --requests "$REQUESTS" --out "$OUT/fee-$N.json" --plans "$OUT/plans-$N"
    drop_case_db "$DB"
    [ -z "${BENCH_NO_OCA:-}" ] || continue
    say "N=$N: OCA account_financial_report ($OCA_REQUESTS requests; as of $AS_OF)"
    install_modules "$OCA_CONF" "$OCA_DB" account_financial_report
    bench -c "$OCA_CONF" -d "$OCA_DB" oca --n "$N" --date "$DATE" --as-of "$AS_OF" \
        --requests "$OCA_REQUESTS" --out "$OUT/oca-$N.json"
    drop_case_db "$OCA_DB"
done

results_table bench_arrears.py "$DATE"
