from . import fee_cash_reconciliation_report
