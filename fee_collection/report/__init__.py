from . import (
    fee_arrears_fact,
    fee_arrears_report,
    fee_arrears_settlement,
    fee_arrears_summary,
    fee_arrears_total,
    fee_cash_reconciliation_report,
    fee_collector_leaderboard,
    fee_dunning_document,
    fee_dunning_letter_report,
    fee_overdue_statement_report,
    fee_receipt_report,
    fee_receipt_roll_report,
)
