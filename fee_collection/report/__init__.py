from . import (
    fee_arrears_fact,
    fee_arrears_report,
    fee_arrears_summary,
    fee_cash_reconciliation_report,
    fee_collector_leaderboard,
    fee_dunning_report,
    fee_receipt_report,
)
