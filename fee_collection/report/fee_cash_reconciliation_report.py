from odoo import fields, models, tools
from odoo.tools import SQL


class FeeCashReconciliationReport(models.Model):
    """Daily reconciliation (每日对账): per day and payment method, what the receipts say
    (by whom) against what the journal's payments booked. Receipts count on their date
    and, once voided, again negatively on the day of the void, as their reversed payments
    do; a difference is money booked in a journal without a receipt, or the reverse."""

    _name = "fee.cash.reconciliation.report"
    _description = "Daily Cash Reconciliation"
    _auto = False
    _order = "date desc, journal_id"

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    journal_id = fields.Many2one(
        "account.journal", string="Payment Method", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Received By", readonly=True)
    receipt_count = fields.Integer(string="Receipts", readonly=True)
    receipt_amount = fields.Monetary(string="Receipts Amount", readonly=True)
    journal_amount = fields.Monetary(string="Booked in Journal", readonly=True)
    difference = fields.Monetary(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
                SELECT ROW_NUMBER() OVER (ORDER BY date, journal_id, user_id) AS id,
                       date, company_id, journal_id, user_id, receipt_count,
                       receipt_amount, journal_amount,
                       receipt_amount - journal_amount AS difference
                  FROM (
                    SELECT receipt.date, receipt.company_id, receipt.journal_id,
                           receipt.user_id, 1 AS receipt_count,
                           receipt.amount AS receipt_amount, 0.0 AS journal_amount
                      FROM fee_receipt receipt
                    UNION ALL
                    SELECT receipt.void_date::date,
                           receipt.company_id, receipt.journal_id, receipt.voided_by_id,
                           0, -receipt.amount, 0.0
                      FROM fee_receipt receipt
                     WHERE receipt.state = 'voided'
                    UNION ALL
                    SELECT line.date, line.company_id, line.journal_id, NULL, 0, 0.0,
                           line.balance
                      FROM account_move_line line
                      JOIN account_move move ON move.id = line.move_id
                      LEFT JOIN account_move reversed ON reversed.id = move.reversed_entry_id
                      JOIN account_payment payment
                        ON payment.id = COALESCE(move.origin_payment_id,
                                                 reversed.origin_payment_id)
                     WHERE move.state = 'posted'
                       AND payment.payment_type = 'inbound'
                       AND payment.partner_type = 'customer'
                       AND line.account_id = payment.outstanding_account_id
                       AND line.journal_id IN (
                           SELECT id FROM account_journal
                            WHERE fee_payment_method IS NOT NULL)
                  ) movements
            )
            """,
                SQL.identifier(self._table),
            )
        )
