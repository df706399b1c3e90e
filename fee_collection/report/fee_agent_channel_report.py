from odoo import fields, models
from odoo.tools import SQL

from ..tools.agent_clearing import AGENT_HELD_AMOUNTS
from ..tools.report_view import create_report_view

# Averages of a group are ratios of its sums, not averages of its rows' averages.
AVERAGES = {"days_to_remit": ("days_to_remit_total", "paid_count")}


class FeeAgentChannelReport(models.Model):
    """The agent channel's figures (代收渠道分析) per outlet and month: what its receipts
    took (a receipt counts on its date and, once voided, negatively on the day of the
    void, as the clearing account does), the commission and what it was to remit by
    its settlements (in the month their period ends), what it remitted (on the day of
    the remittance), how many days its settlements took to be paid, and what it holds
    of the company's money now, in the month in progress."""

    _name = "fee.agent.channel.report"
    _description = "Agent Channel Analysis"
    _auto = False
    _order = "month desc, agent_id"
    _rec_name = "agent_id"
    _depends = {
        "fee.receipt": [
            "date",
            "company_id",
            "agent_id",
            "channel",
            "state",
            "amount",
            "void_date",
            "payment_id",
        ],
        "fee.agent.settlement": [
            "date_to",
            "company_id",
            "agent_id",
            "state",
            "commission_amount",
            "amount_to_remit",
            "days_to_remit",
            "remittance_ids",
            "move_id",
        ],
        "account.payment": ["date", "amount_company_currency_signed", "move_id"],
        "account.move": ["state", "reversed_entry_id"],
        "account.move.line": [
            "move_id",
            "account_id",
            "partner_id",
            "company_id",
            "balance",
            "amount_residual",
            "reconciled",
            "parent_state",
        ],
        "res.company": ["fee_agent_clearing_account_id"],
        "res.partner": ["is_fee_agent"],
    }

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    agent_id = fields.Many2one("res.partner", readonly=True)
    receipt_count = fields.Integer(
        string="Receipts", readonly=True, help="Receipts taken, less those voided."
    )
    amount_collected = fields.Monetary(
        string="Collected",
        readonly=True,
        help="What the receipts took, voids deducted.",
    )
    commission_amount = fields.Monetary(
        string="Commission",
        readonly=True,
        help="The commission of the settlements posted for periods ending in the month.",
    )
    amount_to_remit = fields.Monetary(
        string="To Remit",
        readonly=True,
        help="What the settlements posted for periods ending in the month ask the "
        "outlet to remit.",
    )
    amount_remitted = fields.Monetary(
        string="Remitted", readonly=True, help="The remittances received in the month."
    )
    amount_outstanding = fields.Monetary(
        string="Outstanding",
        readonly=True,
        help="What the outlet holds of the company's money now, collected and not "
        "remitted, as the books say: counted in the month in progress.",
    )
    paid_count = fields.Integer(
        string="Settlements Paid",
        readonly=True,
        help="Settlements for periods ending in the month, paid in full.",
    )
    days_to_remit = fields.Float(
        string="Days to Remit",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Average days from the end of a settlement's period to the remittance "
        "that paid it, of the settlements paid.",
    )

    def _read_group_select(self, aggregate_spec, query):
        # An average of a group is the ratio of its sums: neither Odoo's average of
        # the rows' averages gives it.
        fname = aggregate_spec.split(":")[0]
        if fname not in AVERAGES:
            return super()._read_group_select(aggregate_spec, query)
        total, count = AVERAGES[fname]
        return SQL(
            "ROUND(SUM(%s)::numeric / NULLIF(SUM(%s), 0), 1)",
            SQL.identifier(self._table, total),
            SQL.identifier(self._table, count),
        )

    def init(self):
        create_report_view(
            self,
            ["month", "company_id", "agent_id"],
            SQL(
                """
                SELECT month, company_id, agent_id,
                       SUM(receipt_count) AS receipt_count,
                       SUM(collected) AS amount_collected,
                       SUM(commission) AS commission_amount,
                       SUM(to_remit) AS amount_to_remit,
                       SUM(remitted) AS amount_remitted,
                       SUM(outstanding) AS amount_outstanding,
                       SUM(paid) AS paid_count,
                       SUM(days) AS days_to_remit_total,
                       ROUND(SUM(days)::numeric / NULLIF(SUM(paid), 0), 1)
                           AS days_to_remit
                  FROM (%s) figures
                 WHERE agent_id IS NOT NULL
                 GROUP BY month, company_id, agent_id
                """,
                SQL(" UNION ALL ").join(self._figures_queries()),
            ),
        )

    def _figures_queries(self):
        """The queries of the figures to add up, each (month, company_id, agent_id,
        receipt_count, collected, commission, to_remit, remitted, outstanding, paid,
        days)."""
        return [
            self._receipts_query(),
            self._voids_query(),
            self._settlements_query(),
            self._remittances_query(),
            self._outstanding_query(),
        ]

    def _receipts_query(self):
        return SQL(
            """
            SELECT DATE_TRUNC('month', receipt.date)::date AS month,
                   receipt.company_id, receipt.agent_id,
                   1 AS receipt_count, receipt.amount AS collected,
                   0.0 AS commission, 0.0 AS to_remit, 0.0 AS remitted,
                   0.0 AS outstanding, 0 AS paid, 0 AS days
              FROM fee_receipt receipt
             WHERE receipt.channel = 'agent'
            """
        )

    def _voids_query(self):
        return SQL(
            """
            SELECT DATE_TRUNC('month', receipt.void_date)::date,
                   receipt.company_id, receipt.agent_id,
                   -1, -receipt.amount, 0.0, 0.0, 0.0, 0.0, 0, 0
              FROM fee_receipt receipt
             WHERE receipt.channel = 'agent' AND receipt.state = 'voided'
            """
        )

    def _settlements_query(self):
        return SQL(
            """
            SELECT DATE_TRUNC('month', settlement.date_to)::date,
                   settlement.company_id, settlement.agent_id,
                   0, 0.0, settlement.commission_amount, settlement.amount_to_remit,
                   0.0, 0.0,
                   (settlement.state = 'paid')::int,
                   CASE WHEN settlement.state = 'paid'
                        THEN COALESCE(settlement.days_to_remit, 0) ELSE 0 END
              FROM fee_agent_settlement settlement
             WHERE settlement.state IN ('posted', 'paid')
            """
        )

    def _remittances_query(self):
        return SQL(
            """
            SELECT DATE_TRUNC('month', payment.date)::date,
                   settlement.company_id, settlement.agent_id,
                   0, 0.0, 0.0, 0.0, payment.amount_company_currency_signed, 0.0, 0, 0
              FROM fee_agent_settlement_remittance_rel rel
              JOIN fee_agent_settlement settlement ON settlement.id = rel.settlement_id
              JOIN account_payment payment ON payment.id = rel.payment_id
              JOIN account_move move ON move.id = payment.move_id
             WHERE move.state = 'posted'
            """
        )

    def _outstanding_query(self):
        """What each outlet holds now, read from the books as
        ``res.partner._fee_get_unremitted`` reads it (``AGENT_HELD_AMOUNTS``)."""
        return SQL(
            """
            SELECT DATE_TRUNC('month', CURRENT_DATE)::date,
                   held.company_id, held.agent_id,
                   0, 0.0, 0.0, 0.0, 0.0, held.amount, 0, 0
              FROM (%s) held
            """,
            AGENT_HELD_AMOUNTS,
        )
