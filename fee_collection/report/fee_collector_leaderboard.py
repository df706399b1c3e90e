from odoo import fields, models
from odoo.tools import SQL

from ..tools.report_view import create_report_view


class FeeCollectorLeaderboard(models.Model):
    """The weekly leaderboard (每周上榜): per collector and week, what they collected (of
    it, electronically), the orders they closed and the promises kept and broken, and
    their rank in the week by what they collected (a collector, who reads only their own
    figures, still learns where they stand)."""

    _name = "fee.collector.leaderboard"
    _description = "Collectors' Leaderboard"
    _auto = False
    _order = "week desc, amount_collected desc"

    week = fields.Date(readonly=True, help="The Monday the week starts on.")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    collector_id = fields.Many2one("res.users", readonly=True)
    amount_collected = fields.Monetary(string="Collected", readonly=True)
    amount_electronic = fields.Monetary(string="Electronic", readonly=True)
    amount_cash = fields.Monetary(string="Cash", readonly=True)
    orders_done = fields.Integer(readonly=True)
    promises_kept = fields.Integer(readonly=True)
    promises_broken = fields.Integer(readonly=True)
    rank = fields.Integer(
        readonly=True,
        aggregator="min",
        help="Place in the week's leaderboard of the company, by amount collected.",
    )

    def init(self):
        create_report_view(
            self,
            ["week", "company_id", "collector_id"],
            SQL(
                """
                SELECT week, company_id, collector_id,
                       SUM(collected) AS amount_collected,
                       SUM(electronic) AS amount_electronic,
                       SUM(collected - electronic) AS amount_cash,
                       SUM(done) AS orders_done,
                       SUM(kept) AS promises_kept,
                       SUM(broken) AS promises_broken,
                       RANK() OVER (
                           PARTITION BY week, company_id ORDER BY SUM(collected) DESC
                       ) AS rank
                  FROM (
                    SELECT DATE_TRUNC('week', receipt.date)::date AS week,
                           receipt.company_id, receipt.user_id AS collector_id,
                           receipt.amount AS collected,
                           CASE WHEN journal.type = 'bank' THEN receipt.amount ELSE 0 END
                               AS electronic,
                           0 AS done, 0 AS kept, 0 AS broken
                      FROM fee_receipt receipt
                      JOIN account_journal journal ON journal.id = receipt.journal_id
                     WHERE receipt.state = 'posted' AND receipt.channel = 'field'
                    UNION ALL
                    SELECT DATE_TRUNC('week', date_done)::date, company_id, collector_id,
                           0, 0, 1, 0, 0
                      FROM fee_collection_order
                     WHERE state = 'done' AND date_done IS NOT NULL
                    UNION ALL
                    SELECT DATE_TRUNC('week', promise_date)::date, company_id,
                           collector_id, 0, 0, 0,
                           (promise_state = 'kept')::int, (promise_state = 'broken')::int
                      FROM fee_collection_order
                     WHERE promise_state IN ('kept', 'broken')
                  ) work
                 WHERE collector_id IS NOT NULL
                 GROUP BY week, company_id, collector_id
                """
            ),
        )
