from odoo import api, fields, models
from odoo.tools import SQL

# The dimensions of the totals: of the facts, then of their subscriber (``partner``).
TOTAL_KEY = {
    "company_id": SQL("fact.company_id"),
    "month": SQL("fact.month"),
    "date": SQL("fact.date"),
    "date_due": SQL("fact.date_due"),
    "product_id": SQL("fact.product_id"),
    "area_id": SQL("partner.area_id"),
    "reason_id": SQL("partner.arrears_reason_id"),
}
# What the totals add up of the facts.
TOTAL_MEASURES = {
    "row_count": SQL("COUNT(*)"),
    "billed": SQL("SUM(CASE WHEN fact.is_billed THEN fact.amount ELSE 0 END)"),
    **{
        name: SQL(
            "SUM(CASE WHEN fact.is_debit THEN %s ELSE 0 END)",
            SQL.identifier("fact", name),
        )
        for name in (
            "collected",
            "collected_in_month",
            "credited",
            "written_off",
            "open_amount",
        )
    },
    "unapplied": SQL("SUM(CASE WHEN fact.is_debit THEN 0 ELSE fact.open_amount END)"),
    "recovered": SQL("SUM(CASE WHEN fact.is_recovery THEN fact.amount ELSE 0 END)"),
}


class FeeArrearsTotal(models.Model):
    """Subscribers' facts added up by what the analysis mostly groups by (billing month,
    posting and due dates, fee item, area, arrears reason): it reads these thousands of
    rows instead of a million. Kept by ``fee.arrears.fact`` by appending what changed
    (the facts before, subtracted, and after, added), never by updating a row, so that
    transactions running side by side never wait on each other; ``_fee_compact`` adds
    the rows of each group up again (daily)."""

    _name = "fee.arrears.total"
    _description = "Arrears Analysis Total"
    _log_access = False

    company_id = fields.Many2one("res.company")
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date()
    date = fields.Date(help="Posting date of the items.")
    date_due = fields.Date()
    product_id = fields.Many2one("product.product")
    area_id = fields.Many2one("fee.area")
    reason_id = fields.Many2one("fee.arrears.reason")
    row_count = fields.Integer(help="How many facts are added up.")
    billed = fields.Monetary()
    collected = fields.Monetary()
    collected_in_month = fields.Monetary()
    credited = fields.Monetary()
    written_off = fields.Monetary()
    open_amount = fields.Monetary()
    unapplied = fields.Monetary()
    recovered = fields.Monetary()

    @api.model
    def _fee_add_facts(self, where, sign):
        """Append the facts matching ``where`` (of the facts, ``fact``, and their
        subscriber, ``partner``), added up, with ``sign``: -1 before they change (or
        their subscriber does), 1 after."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fee_arrears_total (%(columns)s)
                SELECT %(key)s, %(measures)s
                  FROM fee_arrears_fact fact
                  JOIN res_partner partner ON partner.id = fact.partner_id
                 WHERE partner.is_subscriber AND %(where)s
              GROUP BY %(key)s
                """,
                columns=SQL(", ").join(
                    map(SQL.identifier, [*TOTAL_KEY, *TOTAL_MEASURES])
                ),
                key=SQL(", ").join(TOTAL_KEY.values()),
                measures=SQL(", ").join(
                    SQL("%s * %s", sign, measure) for measure in TOTAL_MEASURES.values()
                ),
                where=where,
            )
        )
        self.invalidate_model()

    @api.model
    def _fee_compact(self):
        """One row per group again, those of no facts left out."""
        key = SQL(", ").join(map(SQL.identifier, TOTAL_KEY))
        self.env.cr.execute(
            SQL(
                """
                WITH gone AS (DELETE FROM fee_arrears_total RETURNING *)
                INSERT INTO fee_arrears_total (%(key)s, %(measures)s)
                SELECT %(key)s, %(sums)s
                  FROM gone
              GROUP BY %(key)s
                HAVING SUM(row_count) <> 0
                """,
                key=key,
                measures=SQL(", ").join(map(SQL.identifier, TOTAL_MEASURES)),
                sums=SQL(", ").join(
                    SQL("SUM(%s)", SQL.identifier(name)) for name in TOTAL_MEASURES
                ),
            )
        )
        self.invalidate_model()
