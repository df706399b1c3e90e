from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.fee_receipt import CHANNELS

AGING_BUCKETS = [
    ("age_not_due", None, 0),
    ("age_0_30", 1, 30),
    ("age_31_60", 31, 60),
    ("age_61_90", 61, 90),
    ("age_91_180", 91, 180),
    ("age_181_365", 181, 365),
    ("age_over_365", 366, None),
]
KPI_MEASURES = [
    "billed",
    "collected",
    "collected_in_month",
    "overdue",
    "written_off",
    "net_bad_debt",
]
# What an aging needs: amounts open on the as-of date, nothing billed or collected.
OPEN_MEASURES = {
    "open_amount",
    "overdue",
    "unapplied",
    "days_overdue",
    *(name for name, _low, _high in AGING_BUCKETS),
}
# Rates are ratios of the group's sums, not sums (or averages) of the rows' rates.
RATES = {
    "arrears_rate": ("overdue", "billed"),
    "collection_rate": ("collected", "billed"),
    "collection_rate_month": ("collected_in_month", "billed"),
    "bad_debt_rate": ("net_bad_debt", "billed"),
}


def ratio(numerator, denominator):
    """A rate as a fraction, to the 100th of a % (0.0449 for 4.49 %)."""
    return round(numerator / denominator, 4) if denominator else None


class FeeArrearsReport(models.Model):
    """Arrears analysis as of a date (context key ``fee_as_of``, today by default), read
    from the ledger: subscribers' receivable items and the reconciliations made by that
    date, so that every figure ties to the receivable balance to the cent.

    One row per invoice line for what was billed and what is still open (an invoice's
    amounts are shared between its lines by their totals, the rounding cent on the
    first, so that products add up to the invoice), one per line and payment for what
    was collected, by channel, and one per payment or credit note for what is not yet
    applied (credit). Later payments are ignored: what is open as of a past date is what
    was open on that date."""

    _name = "fee.arrears.report"
    _description = "Arrears Analysis"
    _auto = False
    _order = "date desc, partner_id"
    _rec_name = "move_id"
    # What the query reads: Odoo flushes these before it runs.
    _depends = {
        "account.move": [
            "move_type",
            "invoice_date",
            "origin_payment_id",
            "statement_line_id",
            "state",
        ],
        "account.move.line": [
            "move_id",
            "account_id",
            "company_id",
            "partner_id",
            "balance",
            "date",
            "date_maturity",
            "parent_state",
            "display_type",
            "price_total",
            "product_id",
            "subscription_id",
        ],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "max_date",
        ],
        "account.account": ["account_type"],
        "res.partner": [
            "is_subscriber",
            "area_id",
            "collector_id",
            "arrears_reason_id",
            "dunning_level_id",
        ],
        "fee.area": ["branch_id"],
        "fee.receipt": ["payment_id", "channel", "state"],
    }

    date = fields.Date(string="Billing Month", readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    payment_date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Subscriber", readonly=True)
    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    product_id = fields.Many2one("product.product", string="Fee Item", readonly=True)
    subscription_id = fields.Many2one(
        "fee.subscription", string="Service", readonly=True
    )
    area_id = fields.Many2one("fee.area", readonly=True)
    branch_id = fields.Many2one("fee.area", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    reason_id = fields.Many2one(
        "fee.arrears.reason", string="Arrears Reason", readonly=True
    )
    dunning_level_id = fields.Many2one("fee.dunning.level", readonly=True)
    channel = fields.Selection(
        [*CHANNELS, ("other", "Accounting")],
        string="Payment Channel",
        readonly=True,
        help="How the money came in: from the receipt of the payment, if it has one.",
    )
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    billed = fields.Monetary(readonly=True)
    collected = fields.Monetary(
        readonly=True, help="Paid on the invoices by the as-of date."
    )
    collected_in_month = fields.Monetary(
        string="Collected in Month",
        readonly=True,
        help="Paid on the invoices by the end of the month they were billed.",
    )
    credited = fields.Monetary(
        readonly=True, help="Credit notes applied to the invoices."
    )
    written_off = fields.Monetary(
        readonly=True, help="Other entries that settled the invoices (write-offs)."
    )
    recovered = fields.Monetary(
        readonly=True,
        help="Paid on written-off debts, booked as recovered (坏账收回), by the as-of date.",
    )
    net_bad_debt = fields.Monetary(readonly=True, help="Written off less recovered.")
    open_amount = fields.Monetary(readonly=True, help="What the invoices still owe.")
    overdue = fields.Monetary(readonly=True)
    unapplied = fields.Monetary(
        string="Unapplied Credit",
        readonly=True,
        help="Payments and credit notes not (yet) applied to an invoice.",
    )
    age_not_due = fields.Monetary(string="Not Due", readonly=True)
    age_0_30 = fields.Monetary(string="0-30", readonly=True)
    age_31_60 = fields.Monetary(string="31-60", readonly=True)
    age_61_90 = fields.Monetary(string="61-90", readonly=True)
    age_91_180 = fields.Monetary(string="91-180", readonly=True)
    age_181_365 = fields.Monetary(string="181-365", readonly=True)
    age_over_365 = fields.Monetary(string="> 365", readonly=True)
    arrears_rate = fields.Float(
        string="Arrears Rate (%)",
        readonly=True,
        aggregator="sum",
        help="Overdue / billed, of the group.",
    )
    collection_rate = fields.Float(
        string="Collection Rate (%)",
        readonly=True,
        aggregator="sum",
        help="Collected / billed, of the group, by the as-of date.",
    )
    collection_rate_month = fields.Float(
        string="Collection Rate in Month (%)",
        readonly=True,
        aggregator="sum",
        help="Collected by the end of the billing month / billed, of the group.",
    )
    bad_debt_rate = fields.Float(
        string="Bad Debt Rate (%)",
        readonly=True,
        aggregator="sum",
        help="Net new bad debt (written off less recovered) / billed, of the group.",
    )

    # ------------------------------------------------------------------
    # The date
    # ------------------------------------------------------------------

    @api.model
    def _get_as_of(self):
        """The as-of date of the context; a date to come is refused."""
        as_of = self.env.context.get("fee_as_of")
        try:
            as_of = fields.Date.to_date(as_of) if as_of else None
        except ValueError as error:
            raise UserError(
                self.env._("%(date)s is not a date.", date=as_of)
            ) from error
        today = fields.Date.context_today(self)
        if as_of and as_of > today:
            raise UserError(
                self.env._(
                    "Arrears cannot be analysed as of %(date)s: that day has not "
                    "come yet.",
                    date=as_of,
                )
            )
        return as_of or today

    @api.model
    def _get_month_as_of(self, start):
        """The end of the month starting on ``start``, or today for the month in
        progress; a month to come is refused."""
        today = fields.Date.context_today(self)
        if start > today:
            raise UserError(
                self.env._(
                    "%(month)s has not started yet: choose a month up to this one.",
                    month=start.strftime("%Y-%m"),
                )
            )
        return min(start + relativedelta(months=1, days=-1), today)

    @api.model
    def _get_window(self, start):
        """The twelve billing months ending with the month starting on ``start``."""
        return [
            ("date", ">=", start - relativedelta(months=11)),
            ("date", "<=", start),
        ]

    @api.model
    def _get_kpis(self, start):
        """The headline figures of the month starting on ``start``, as of its end: of
        the twelve billing months ending with it, what was billed, collected and is
        overdue, the arrears, collection and bad-debt rates, and the collection rate
        of the month's own bills within the month."""
        report = self.with_context(fee_as_of=self._get_month_as_of(start))
        # One pass over the ledger, by month: the twelve months' sums and the month's.
        by_month = {
            month: dict(zip(KPI_MEASURES, sums, strict=True))
            for month, *sums in report._read_group(
                self._get_window(start),
                ["date:month"],
                [f"{name}:sum" for name in KPI_MEASURES],
            )
        }
        currency = self.env.company.currency_id
        totals = {
            name: currency.round(sum(sums[name] for sums in by_month.values()))
            for name in KPI_MEASURES
        }
        month = by_month.get(start, dict.fromkeys(KPI_MEASURES, 0.0))
        return {
            "billed": totals["billed"],
            "collected": totals["collected"],
            "overdue": totals["overdue"],
            "written_off": totals["written_off"],
            "arrears_rate": ratio(totals["overdue"], totals["billed"]),
            "collection_rate": ratio(totals["collected"], totals["billed"]),
            "collection_rate_month": ratio(
                month["collected_in_month"], month["billed"]
            ),
            "net_bad_debt": totals["net_bad_debt"],
            "bad_debt_rate": ratio(totals["net_bad_debt"], totals["billed"]),
        }

    # ------------------------------------------------------------------
    # Rates of groups
    # ------------------------------------------------------------------

    def _read_group(self, domain, groupby=(), aggregates=(), *args, **kwargs):
        # Aging reads only what is open: the items that can be open on the as-of date
        # are those not reconciled today or reconciled since, a few % of the ledger.
        names = {spec.split(":")[0] for spec in aggregates} - {"__count"}
        report = (
            self.with_context(fee_open_only=True)
            if names and names <= OPEN_MEASURES
            else self
        )
        # One statement aggregates up to millions of rows: PostgreSQL's JIT would spend
        # seconds compiling it and sorts of its default 4 MB of memory spill to disk.
        # For the rest of this transaction only (a report's request).
        self.env.cr.execute(SQL("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"))
        return super(FeeArrearsReport, report)._read_group(
            domain, groupby, aggregates, *args, **kwargs
        )

    def _read_group_select(self, aggregate_spec, query):
        # A rate of a group is the ratio of its sums: neither Odoo's sum nor its average
        # of the rows' rates gives it, and this is where read_group makes a group's SQL.
        fname = aggregate_spec.split(":")[0]
        if fname not in RATES:
            return super()._read_group_select(aggregate_spec, query)
        numerator, denominator = (
            self._field_to_sql(self._table, name, query) for name in RATES[fname]
        )
        return SQL(
            "ROUND(100 * SUM(%s) / NULLIF(SUM(%s), 0), 2)", numerator, denominator
        )

    # ------------------------------------------------------------------
    # The query
    # ------------------------------------------------------------------

    @property
    def _table_query(self):
        as_of = self._get_as_of()
        open_only = bool(self.env.context.get("fee_open_only"))
        allocated = {
            name: self._allocate(SQL.identifier("doc", name))
            for name in ("billed", "open_amount", "credited", "written_off")
        }
        aging = SQL(", ").join(
            SQL(
                "CASE WHEN doc.balance > 0 AND %s THEN %s ELSE 0 END AS %s",
                self._age_condition(low, high),
                allocated["open_amount"],
                SQL.identifier(name),
            )
            for name, low, high in AGING_BUCKETS
        )
        return SQL(
            """
            WITH receivable AS (%(receivable)s),
            %(partials)s,
            weights AS (%(weights)s),
            doc AS (
                SELECT receivable.*,
                       receivable.balance - COALESCE(settled.amount, 0) AS open_amount,
                       COALESCE(settled.credited, 0) AS credited,
                       COALESCE(settled.written_off, 0) AS written_off,
                       CASE WHEN receivable.move_type IN ('out_invoice', 'out_refund')
                            THEN receivable.balance ELSE 0 END AS billed,
                       %(as_of)s - receivable.date_maturity AS age
                  FROM receivable
             LEFT JOIN (SELECT line_id, SUM(amount) AS amount,
                               SUM(amount) FILTER (WHERE kind = 'credit_note') AS credited,
                               SUM(amount) FILTER (WHERE kind = 'other') AS written_off
                          FROM partials GROUP BY line_id) settled
                       ON settled.line_id = receivable.id
            )
            SELECT facts.*,
                   ROUND(100 * facts.overdue / NULLIF(facts.billed, 0), 2)
                       AS arrears_rate,
                   ROUND(100 * facts.collected / NULLIF(facts.billed, 0), 2)
                       AS collection_rate,
                   ROUND(100 * facts.collected_in_month / NULLIF(facts.billed, 0), 2)
                       AS collection_rate_month,
                   facts.written_off - facts.recovered AS net_bad_debt,
                   ROUND(100 * (facts.written_off - facts.recovered)
                         / NULLIF(facts.billed, 0), 2) AS bad_debt_rate
              FROM (
                SELECT (doc.id::bigint * 10000 + COALESCE(w.rn, 0)) * 2 AS id,
                       %(dimensions)s,
                       NULL::varchar AS channel, NULL::date AS payment_date,
                       GREATEST(doc.age, 0) AS days_overdue,
                       %(billed)s AS billed,
                       0 AS collected, 0 AS collected_in_month,
                       CASE WHEN doc.balance > 0 THEN %(credited)s ELSE 0 END AS credited,
                       CASE WHEN doc.balance > 0 THEN %(written_off)s ELSE 0 END
                           AS written_off,
                       CASE WHEN doc.balance > 0 THEN %(open)s ELSE 0 END AS open_amount,
                       CASE WHEN doc.balance > 0 AND doc.age > 0 THEN %(open)s ELSE 0 END
                           AS overdue,
                       CASE WHEN doc.balance < 0 THEN %(open)s ELSE 0 END AS unapplied,
                       %(aging)s,
                       CASE WHEN doc.is_recovery THEN doc.balance ELSE 0 END AS recovered
                  FROM doc
                  JOIN res_partner partner ON partner.id = doc.partner_id
             LEFT JOIN fee_area area ON area.id = partner.area_id
             LEFT JOIN weights w ON w.move_id = doc.move_id
                 UNION ALL
                SELECT (partials.partial_id::bigint * 10000 + COALESCE(w.rn, 0)) * 2 + 1,
                       %(dimensions)s,
                       partials.channel, partials.payment_date,
                       0, 0,
                       %(collected)s, %(collected_in_month)s,
                       0, 0, 0, 0, 0, %(no_aging)s, 0
                  FROM partials
                  JOIN receivable doc ON doc.id = partials.line_id
                  JOIN res_partner partner ON partner.id = doc.partner_id
             LEFT JOIN fee_area area ON area.id = partner.area_id
             LEFT JOIN weights w ON w.move_id = doc.move_id
                 WHERE partials.kind = 'payment' AND doc.balance > 0
                   AND NOT %(open_only)s
              ) facts
            """,
            partials=self._partials_query(as_of, open_only),
            receivable=self._receivable_query(as_of, open_only),
            open_only=open_only,
            weights=self._weights_query(),
            as_of=as_of,
            dimensions=self._dimensions(),
            billed=allocated["billed"],
            credited=allocated["credited"],
            written_off=allocated["written_off"],
            open=allocated["open_amount"],
            aging=aging,
            collected=self._allocate(
                SQL("partials.amount"), SQL("partials.partial_id")
            ),
            collected_in_month=self._allocate(
                SQL(
                    "CASE WHEN partials.max_date < doc.month + INTERVAL '1 month' "
                    "THEN partials.amount ELSE 0 END"
                ),
                SQL("partials.partial_id"),
            ),
            no_aging=SQL(", ").join(SQL("0") for _bucket in AGING_BUCKETS),
        )

    def _receivable_query(self, as_of, open_only=False):
        """Subscribers' receivable items posted by the as-of date; ``open_only``: those
        alone that can be open on that date, not reconciled today or reconciled since.
        """
        return SQL(
            """
            SELECT line.id, line.move_id, line.company_id, line.partner_id,
                   line.balance, COALESCE(line.date_maturity, line.date) AS date_maturity,
                   move.move_type,
                   move.fee_recovered_write_off_id IS NOT NULL AS is_recovery,
                   DATE_TRUNC('month', COALESCE(move.invoice_date, line.date))::date
                       AS month
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN account_account account ON account.id = line.account_id
              JOIN res_partner partner ON partner.id = line.partner_id
             WHERE account.account_type = 'asset_receivable'
               AND line.parent_state = 'posted'
               AND line.date <= %s
               AND partner.is_subscriber
               %s
            """,
            as_of,
            SQL(
                """AND (NOT line.reconciled OR line.id IN (
                        SELECT debit_move_id FROM account_partial_reconcile
                         WHERE max_date > %(as_of)s
                         UNION ALL
                        SELECT credit_move_id FROM account_partial_reconcile
                         WHERE max_date > %(as_of)s))""",
                as_of=as_of,
            )
            if open_only
            else SQL(),
        )

    def _partials_query(self, as_of, open_only=False):
        """What each receivable item had settled by the as-of date, seen from either
        side (positive on an invoice, negative on a payment), with what settled it: a
        payment (and the channel of its receipt), a credit note, a recovery of a
        written-off debt (or its reversal) or another entry (a write-off)."""
        return SQL(
            """
            partials AS (
                SELECT side.partial_id, side.line_id, side.amount, side.max_date,
                       other_move.date AS payment_date,
                       CASE WHEN other_move.fee_recovered_write_off_id IS NOT NULL
                            THEN 'recovery'
                            WHEN other_move.origin_payment_id IS NOT NULL
                                 OR other_move.statement_line_id IS NOT NULL
                            THEN 'payment'
                            WHEN other_move.move_type IN ('out_refund', 'out_invoice')
                            THEN 'credit_note'
                            ELSE 'other' END AS kind,
                       COALESCE(receipt.channel,
                                CASE WHEN other_move.statement_line_id IS NOT NULL
                                     THEN 'bank' ELSE 'other' END) AS channel
                  FROM (
                    SELECT id AS partial_id, debit_move_id AS line_id,
                           credit_move_id AS other_id, amount, max_date
                      FROM account_partial_reconcile
                     WHERE max_date <= %(as_of)s %(debit_restrict)s
                     UNION ALL
                    SELECT id, credit_move_id, debit_move_id, -amount, max_date
                      FROM account_partial_reconcile
                     WHERE max_date <= %(as_of)s %(credit_restrict)s
                  ) side
                  JOIN account_move_line other_line ON other_line.id = side.other_id
                  JOIN account_move other_move ON other_move.id = other_line.move_id
             LEFT JOIN fee_receipt receipt
                       ON receipt.payment_id = other_move.origin_payment_id
                      AND receipt.state = 'posted'
            )
            """,
            as_of=as_of,
            # Each side restricted on its own: PostgreSQL does not push a join's
            # restriction into the sides of a union.
            debit_restrict=SQL("AND debit_move_id IN (SELECT id FROM receivable)")
            if open_only
            else SQL(),
            credit_restrict=SQL("AND credit_move_id IN (SELECT id FROM receivable)")
            if open_only
            else SQL(),
        )

    def _weights_query(self):
        """The share of each invoice line in its invoice (by total), the first line
        taking the rounding cent; documents without lines are not shared."""
        return SQL(
            """
            SELECT move_id, id AS line_id, product_id, subscription_id,
                   ROW_NUMBER() OVER (PARTITION BY move_id ORDER BY id) AS rn,
                   COALESCE(
                       price_total / NULLIF(SUM(price_total) OVER (PARTITION BY move_id), 0),
                       CASE WHEN ROW_NUMBER() OVER (PARTITION BY move_id ORDER BY id) = 1
                            THEN 1 ELSE 0 END
                   ) AS weight
              FROM account_move_line
             WHERE display_type = 'product'
               AND move_id IN (SELECT move_id FROM receivable
                                WHERE move_type IN ('out_invoice', 'out_refund'))
            """
        )

    def _allocate(self, amount, partition=None):
        """``amount`` of a receivable item shared between the lines of its document:
        each line its rounded share, the first line what rounding left over, so that
        the shares add up to the amount to the cent."""
        partition = partition or SQL("doc.id")
        share = SQL("ROUND(%s * COALESCE(w.weight, 1), 2)", amount)
        return SQL(
            "%s + CASE WHEN COALESCE(w.rn, 1) = 1 "
            "THEN %s - SUM(%s) OVER (PARTITION BY %s) ELSE 0 END",
            share,
            amount,
            share,
            partition,
        )

    def _age_condition(self, low, high):
        if low is None:
            return SQL("doc.age <= %s", high)
        if high is None:
            return SQL("doc.age >= %s", low)
        return SQL("doc.age BETWEEN %s AND %s", low, high)

    def _dimensions(self):
        return SQL(
            """
            doc.month AS date, doc.date_maturity AS date_due, doc.company_id,
            doc.partner_id, doc.move_id, w.product_id, w.subscription_id,
            partner.area_id, area.branch_id, partner.collector_id,
            partner.arrears_reason_id AS reason_id, partner.dunning_level_id
            """
        )
