from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

SEARCH_OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


class FeeOverdue(models.AbstractModel):
    """What subscribers owe and how late, read from the ledger in one query each: the
    overdue amounts and their age (unapplied credit netted oldest debt first), what a
    promise or a dispute holds back, the balance, the late payments of a year. Dunning,
    collection orders, the counter and the subscriber's file read their figures here."""

    _name = "fee.overdue"
    _description = "Overdue Figures from the Ledger"

    @api.model
    def _get_overdue_data(self, date, company, partner_ids=None):
        """Overdue receivables per partner on ``date``, in one query.

        Unapplied credits (payments, credit notes) are netted oldest debt first, so the oldest
        due date is that of the oldest amount still unpaid. Invoices in dispute or with a promise
        to pay not yet expired are left out and reported as ``paused``.
        Returns {partner_id: {amount, oldest_due, move_ids, paused: {"dispute", "promise"},
        paused_amount, paused_due}}.
        """
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model(["dispute_state", "promise_date"])
        partner_filter = (
            SQL("AND aml.partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
            WITH open_lines AS (
                SELECT aml.id, aml.partner_id, aml.move_id, aml.date_maturity,
                       aml.amount_residual,
                       COALESCE(move.dispute_state = 'disputed', FALSE) AS disputed,
                       COALESCE(move.promise_date >= %(date)s, FALSE) AS promised
                  FROM account_move_line aml
                  JOIN account_account account ON account.id = aml.account_id
                  JOIN account_move move ON move.id = aml.move_id
                 WHERE aml.company_id = %(company)s
                   AND account.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND NOT COALESCE(aml.reconciled, FALSE)
                   AND aml.amount_residual != 0
                   AND aml.partner_id IS NOT NULL
                   %(partner_filter)s
            ), credits AS (
                SELECT partner_id, -SUM(amount_residual) AS credit
                  FROM open_lines WHERE amount_residual < 0 GROUP BY partner_id
            ), overdue AS (
                SELECT l.*, COALESCE(c.credit, 0) AS credit,
                       SUM(l.amount_residual) OVER (
                           PARTITION BY l.partner_id ORDER BY l.date_maturity, l.id) AS running
                  FROM open_lines l
                  LEFT JOIN credits c ON c.partner_id = l.partner_id
                 WHERE l.amount_residual > 0 AND l.date_maturity < %(date)s
                   AND NOT l.disputed AND NOT l.promised
            ), paused AS (
                SELECT partner_id, BOOL_OR(disputed) AS disputed, BOOL_OR(promised) AS promised,
                       SUM(amount_residual) AS paused_amount, MIN(date_maturity) AS paused_due
                  FROM open_lines
                 WHERE amount_residual > 0 AND date_maturity < %(date)s
                   AND (disputed OR promised)
                 GROUP BY partner_id
            ), totals AS (
                SELECT partner_id,
                       SUM(amount_residual) - MAX(credit) AS amount,
                       MIN(date_maturity) FILTER (WHERE running > credit) AS oldest_due,
                       ARRAY_AGG(DISTINCT move_id) FILTER (WHERE running > credit) AS move_ids
                  FROM overdue GROUP BY partner_id
                HAVING SUM(amount_residual) > MAX(credit)
            )
            SELECT COALESCE(t.partner_id, p.partner_id), t.amount, t.oldest_due, t.move_ids,
                   COALESCE(p.disputed, FALSE), COALESCE(p.promised, FALSE),
                   COALESCE(p.paused_amount, 0), p.paused_due
              FROM totals t FULL JOIN paused p ON p.partner_id = t.partner_id
            """,
                date=date,
                company=company.id,
                partner_filter=partner_filter,
            )
        )
        result = {}
        rows = self.env.cr.fetchall()
        for (
            partner_id,
            amount,
            oldest_due,
            move_ids,
            disputed,
            promised,
            paused_amount,
            paused_due,
        ) in rows:
            result[partner_id] = {
                "paused_amount": company.currency_id.round(paused_amount),
                "paused_due": paused_due,
                "amount": company.currency_id.round(amount or 0.0),
                "oldest_due": oldest_due or date,
                "move_ids": move_ids or [],
                "paused": {
                    name
                    for name, flag in (("dispute", disputed), ("promise", promised))
                    if flag
                },
            }
        return result

    @api.model
    def _owed_figures(self, overdue, today):
        """(amount, days) overdue of ``_get_overdue_data``'s figures of a partner, what
        a promise or a dispute holds back included."""
        if not overdue:
            return 0.0, 0
        days = (today - overdue["oldest_due"]).days if overdue["amount"] else 0
        if overdue["paused_due"]:
            days = max(days, (today - overdue["paused_due"]).days)
        return overdue["amount"] + overdue["paused_amount"], days

    @api.model
    def _dunning_figures(self, figures, partner, date):
        overdue = figures.get(partner.id)
        if not overdue or not overdue["amount"]:
            return 0.0, 0
        return overdue["amount"], (date - overdue["oldest_due"]).days

    @api.model
    def _get_late_payment_counts(self, company, partner_ids=None):
        """{partner id: invoices of ``company`` due in the twelve months before today
        and paid after their due date (their last reconciliation), or not paid yet}."""
        today = fields.Date.context_today(self)
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "payment_state", "invoice_date_due"]
        )
        self.env["account.partial.reconcile"].flush_model()
        partner_filter = (
            SQL("AND move.commercial_partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT move.commercial_partner_id, COUNT(*)
                  FROM account_move move
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.company_id = %(company)s
                   AND move.invoice_date_due >= %(since)s
                   AND move.invoice_date_due < %(today)s
                   %(partner_filter)s
                   AND (move.payment_state IN ('not_paid', 'partial')
                        OR EXISTS (
                            SELECT 1
                              FROM account_move_line line
                              JOIN account_partial_reconcile partial
                                   ON partial.debit_move_id = line.id
                             WHERE line.move_id = move.id
                               AND partial.max_date > move.invoice_date_due))
                 GROUP BY move.commercial_partner_id
                """,
                company=company.id,
                since=today - relativedelta(years=1),
                today=today,
                partner_filter=partner_filter,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _open_items_domain(self, partners, companies):
        """The posted receivable items of ``partners`` in ``companies`` not reconciled: what
        they owe (residual above zero) and what they paid or were credited and is not
        applied yet (below zero)."""
        return [
            ("company_id", "in", companies.ids),
            ("partner_id", "in", partners.ids),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
        ]

    @api.model
    def _get_balance(self, partner, company):
        """What the subscriber owes now, all open receivables (credit deducted)."""
        return self._get_balances(partner, company).get(partner, 0.0)

    @api.model
    def _get_balances(self, partners, company):
        """{subscriber: what it owes now} of these subscribers, in one grouped read."""
        # Receivable items carry the commercial partner, whichever contact was billed.
        return dict(
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                self._open_items_domain(partners, company),
                ["partner_id"],
                ["amount_residual:sum"],
            )
        )

    @api.model
    def _get_open_invoices(self, partners):
        """The subscribers' open posted customer invoices, oldest due first, read with
        the rights of ``partners``' environment."""
        return partners.env["account.move"].search(
            [
                ("commercial_partner_id", "in", partners.commercial_partner_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            order="invoice_date_due, id",
        )

    # ------------------------------------------------------------------
    # The subscriber's figures (its file's computed fields and their searches)
    # ------------------------------------------------------------------

    @api.model
    def _get_partner_figures(self, partners):
        """{partner: (amount overdue, days overdue, of which held back, promised by)}
        today, in the user's company."""
        today = fields.Date.context_today(self)
        data = self._get_overdue_data(today, self.env.company, partners.ids)
        promised = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("promise_date", ">=", today),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                ["commercial_partner_id"],
                ["promise_date:max"],
            )
        )
        figures = {}
        for partner in partners:
            overdue = data.get(partner.id)
            figures[partner] = (
                *self._owed_figures(overdue, today),
                overdue["paused_amount"] if overdue else 0.0,
                promised.get(partner, False),
            )
        return figures

    @api.model
    def _search_owed(self, key, operator, value):
        """A domain of the partners whose overdue ``key`` ("amount" or "days") compares
        to ``value``; a partner with nothing overdue has 0 for both."""
        compare = SEARCH_OPERATORS.get(operator)
        if compare is None or not isinstance(value, (int, float)):
            raise ValidationError(self.env._("Unsupported search on overdue figures."))
        today = fields.Date.context_today(self)
        figures = {
            partner_id: self._owed_figures(overdue, today)[0 if key == "amount" else 1]
            for partner_id, overdue in self._get_overdue_data(
                today, self.env.company
            ).items()
        }
        matching = [
            partner_id
            for partner_id, figure in figures.items()
            if compare(figure, value)
        ]
        if compare(0, value):
            return ["|", ("id", "in", matching), ("id", "not in", list(figures))]
        return [("id", "in", matching)]

    @api.model
    def _search_chronic_late(self, operator, value):
        """A domain of the chronic late payers of the user's company (or of the others,
        by ``operator`` and ``value``)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on late payers."))
        company = self.env.company
        chronic = [
            partner_id
            for partner_id, count in self._get_late_payment_counts(company).items()
            if count >= company.fee_chronic_late_count
        ]
        return [("id", "in" if (operator == "=") == value else "not in", chronic)]
