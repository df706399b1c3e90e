from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.fee_receipt import CHANNELS
from ..tools.statement_settings import statement_settings
from .fee_arrears_settlement import PENDING

AGING_BUCKETS = [
    ("age_not_due", None, 0),
    ("age_0_30", 1, 30),
    ("age_31_60", 31, 60),
    ("age_61_90", 61, 90),
    ("age_91_180", 91, 180),
    ("age_181_365", 181, 365),
    ("age_over_365", 366, None),
]
# The columns of a row after its dimensions, in the order of the query's branches.
ROW_COLUMNS = [
    "channel",
    "payment_date",
    "days_overdue",
    "billed",
    "collected",
    "collected_in_month",
    "credited",
    "written_off",
    "open_amount",
    "overdue",
    "unapplied",
    *(name for name, _low, _high in AGING_BUCKETS),
    "recovered",
    "row_count",
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
# What the totals (fee.arrears.summary) are kept by.
TOTAL_FIELDS = {
    "date",
    "date_due",
    "company_id",
    "product_id",
    "area_id",
    "branch_id",
    "reason_id",
}
# What is read payment by payment, where the payments of the invoices are shown.
BY_PAYMENT = {"channel", "payment_date"}
# Rates are ratios of the group's sums, not sums (or averages) of the rows' rates.
RATES = {
    "arrears_rate": ("overdue", "billed"),
    "collection_rate": ("collected", "billed"),
    "collection_rate_month": ("collected_in_month", "billed"),
    "bad_debt_rate": ("net_bad_debt", "billed"),
}
# One statement aggregates up to a million rows: PostgreSQL's JIT would spend seconds
# compiling it, and grouping by subscriber or document would spill its default 4 MB of
# memory to disk.
STATEMENT_SETTINGS = {"jit": "off", "work_mem": "64MB"}


def ratio(numerator, denominator):
    """A rate as a fraction, to the 100th of a % (0.0449 for 4.49 %)."""
    return round(numerator / denominator, 4) if denominator else None


class FeeArrearsReport(models.Model):
    """Arrears analysis as of a date (context key ``fee_as_of``, today by default), read
    from the ledger's facts (``fee.arrears.fact``): subscribers' receivable items and
    what settled them by that date, so that every figure ties to the receivable balance
    to the cent.

    One row per invoice line for what was billed, collected and is still open, and one
    per payment or credit note for what is not yet applied (credit); where the channel
    or the date of the payments is asked for, what was collected comes one row per line
    and payment instead. Later payments are ignored: what is open as of a past date is
    what was open on that date."""

    _name = "fee.arrears.report"
    _description = "Arrears Analysis"
    _auto = False
    _order = "date desc, partner_id"
    _rec_name = "move_id"
    # What the query reads, which Odoo flushes before running it: flushing the facts
    # brings them (and the settlements and totals they keep) up to date with what the
    # transaction changed (``fee.arrears.fact.flush_model``).
    _depends = {
        "fee.arrears.fact": [
            "month",
            "date",
            "date_due",
            "company_id",
            "partner_id",
            "move_id",
            "product_id",
            "subscription_id",
            "is_debit",
            "is_billed",
            "is_recovery",
            "amount",
            "open_amount",
            "collected",
            "collected_in_month",
            "credited",
            "written_off",
        ],
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
    # Reading groups
    # ------------------------------------------------------------------

    def _read_group(self, domain, groupby=(), aggregates=(), *args, **kwargs):
        # Grouped and filtered by what the totals keep: thousands of rows to read
        # instead of a million, the same figures.
        if self._fee_totals_answer(domain, groupby):
            return self.env["fee.arrears.summary"]._read_group(
                domain, groupby, aggregates, *args, **kwargs
            )
        # Aging reads only what is open: the items open on the as-of date are those
        # open today and those settled since, a few % of the ledger.
        names = {spec.split(":")[0] for spec in aggregates} - {"__count"}
        report = self
        if names and names <= OPEN_MEASURES:
            report = report.with_context(fee_open_only=True)
        if {spec.split(":")[0] for spec in groupby} & BY_PAYMENT:
            report = report.with_context(fee_by_payment=True)
        with statement_settings(self.env.cr, STATEMENT_SETTINGS):
            return super(FeeArrearsReport, report)._read_group(
                domain, groupby, aggregates, *args, **kwargs
            )

    def _fee_totals_answer(self, domain, groupby):
        """Whether all that is grouped and filtered by is kept in the totals
        (``fee.arrears.summary``)."""
        names = {spec.split(":")[0] for spec in groupby} | {
            leaf[0].split(".")[0] for leaf in domain if isinstance(leaf, (list, tuple))
        }
        return names <= TOTAL_FIELDS

    def _search(self, domain, *args, **kwargs):
        # What was collected is read payment by payment where the payments' channel or
        # date is asked for.
        report = self
        if any(
            isinstance(leaf, (list, tuple)) and leaf[0].split(".")[0] in BY_PAYMENT
            for leaf in domain
        ):
            report = report.with_context(fee_by_payment=True)
        return super(FeeArrearsReport, report)._search(domain, *args, **kwargs)

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "__count":
            # The facts a row stands for: 1, or those its totals add up.
            return SQL("SUM(%s)", SQL.identifier(self._table, "row_count"))
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
        return SQL(
            """
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
              FROM (%s) facts
            """,
            SQL(" UNION ALL ").join(self._rows_queries(self._get_as_of())),
        )

    def _rows_queries(self, as_of):
        """The queries of the rows as of that date, to put together."""
        open_only = bool(self.env.context.get("fee_open_only"))
        by_payment = bool(self.env.context.get("fee_by_payment")) and not open_only
        return [
            self._items_query(as_of, open_only, by_payment),
            self._settled_since_query(as_of, by_payment),
            *([self._payments_query(as_of)] if by_payment else []),
        ]

    def _items_query(self, as_of, open_only, by_payment):
        """The items posted by the as-of date, with what was settled on them so far."""
        collected = {
            name: SQL(
                "CASE WHEN doc.is_debit THEN %s ELSE 0 END", SQL.identifier("doc", name)
            )
            for name in ("collected", "collected_in_month", "credited", "written_off")
        }
        if by_payment:
            del collected["collected"], collected["collected_in_month"]
        return self._select(
            "fee_arrears_fact",
            SQL("doc.id * 3"),
            {
                "days_overdue": SQL("GREATEST(%s - doc.date_due, 0)", as_of),
                "billed": SQL("CASE WHEN doc.is_billed THEN doc.amount ELSE 0 END"),
                **collected,
                **self._open_measures(
                    SQL("CASE WHEN doc.is_debit THEN doc.open_amount ELSE 0 END"),
                    SQL("CASE WHEN doc.is_debit THEN 0 ELSE doc.open_amount END"),
                    SQL("(%s - doc.date_due)", as_of),
                ),
                "recovered": SQL(
                    "CASE WHEN doc.is_recovery THEN doc.amount ELSE 0 END"
                ),
            },
            SQL(
                "doc.date <= %s %s",
                as_of,
                SQL("AND doc.open_amount <> 0") if open_only else SQL(),
            ),
        )

    def _settled_since_query(self, as_of, by_payment):
        """What was settled after the as-of date on the items posted by then, taken
        back: it was still open on that date."""
        taken_back = {
            name: SQL(
                "CASE WHEN doc.is_debit AND %s THEN -doc.amount ELSE 0 END", condition
            )
            for name, condition in (
                ("collected", SQL("doc.kind = 'payment'")),
                ("collected_in_month", SQL("doc.kind = 'payment' AND doc.in_month")),
                ("credited", SQL("doc.kind = 'credit_note'")),
                ("written_off", SQL("doc.kind = 'other'")),
            )
        }
        if by_payment:
            del taken_back["collected"], taken_back["collected_in_month"]
        return self._select(
            "fee_arrears_settlement",
            SQL("doc.id * 3 + 1"),
            {
                **taken_back,
                **self._open_measures(
                    SQL("CASE WHEN doc.is_debit THEN doc.amount ELSE 0 END"),
                    SQL("CASE WHEN doc.is_debit THEN 0 ELSE doc.amount END"),
                    SQL("(%s - doc.date_due)", as_of),
                ),
            },
            SQL("%s @> %s::date", PENDING, as_of),
        )

    def _payments_query(self, as_of):
        """What was collected on the items, payment by payment, with their channel."""
        return self._select(
            "fee_arrears_settlement",
            SQL("doc.id * 3 + 2"),
            {
                "channel": SQL(
                    "COALESCE(receipt.channel, "
                    "CASE WHEN doc.is_statement THEN 'bank' ELSE 'other' END)"
                ),
                "payment_date": SQL("doc.payment_date"),
                "collected": SQL("doc.amount"),
                "collected_in_month": SQL(
                    "CASE WHEN doc.in_month THEN doc.amount ELSE 0 END"
                ),
            },
            SQL("doc.kind = 'payment' AND doc.is_debit AND doc.date <= %s", as_of),
            join=SQL(
                "LEFT JOIN fee_receipt receipt ON receipt.payment_id = doc.payment_id "
                "AND receipt.state = 'posted'"
            ),
        )

    def _open_measures(self, owed, credit, age):
        """What is ``owed`` on the as-of date, by ``age`` (days past due), and
        ``credit``."""
        return {
            "open_amount": owed,
            "overdue": SQL("CASE WHEN %s > 0 THEN %s ELSE 0 END", age, owed),
            "unapplied": credit,
            **{
                name: SQL(
                    "CASE WHEN %s THEN %s ELSE 0 END",
                    self._age_condition(age, low, high),
                    owed,
                )
                for name, low, high in AGING_BUCKETS
            },
        }

    def _columns(self, measures):
        """The columns after the dimensions: ``measures``, 0 for those not given."""
        values = dict.fromkeys(ROW_COLUMNS, SQL("0"))
        values.update(
            channel=SQL("NULL::varchar"),
            payment_date=SQL("NULL::date"),
            row_count=SQL("1"),
        )
        values.update(measures)
        return SQL(", ").join(
            SQL("%s AS %s", values[name], SQL.identifier(name)) for name in ROW_COLUMNS
        )

    def _select(self, table, row_id, measures, where, join=None):
        """The rows of ``table`` (facts or settlements, as ``doc``) of subscribers,
        with their dimensions and ``measures`` (0 for those not given)."""
        return SQL(
            """
            SELECT %s AS id,
                   doc.month AS date, doc.date_due, doc.company_id, doc.partner_id,
                   doc.move_id, doc.product_id, doc.subscription_id, partner.area_id,
                   area.branch_id, partner.collector_id,
                   partner.arrears_reason_id AS reason_id, partner.dunning_level_id,
                   %s
              FROM %s doc
              JOIN res_partner partner ON partner.id = doc.partner_id
         LEFT JOIN fee_area area ON area.id = partner.area_id
                   %s
             WHERE partner.is_subscriber AND %s
            """,
            row_id,
            self._columns(measures),
            SQL.identifier(table),
            join or SQL(),
            where,
        )

    def _age_condition(self, age, low, high):
        if low is None:
            return SQL("%s <= %s", age, high)
        if high is None:
            return SQL("%s >= %s", age, low)
        return SQL("%s BETWEEN %s AND %s", age, low, high)
