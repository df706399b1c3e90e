from contextlib import contextmanager

from odoo import api, fields, models
from odoo.tools import SQL

# Keys in ``cr.precommit.data``: the receivable items changed in this transaction, and
# those of them refreshed for a read since they last changed.
DIRTY = "fee_collection.arrears_fact_dirty"
READ = "fee_collection.arrears_fact_read"
# The dates on which a settlement was still to come on its item (see the index).
PENDING = SQL("daterange(item_date, GREATEST(item_date, date))")
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
# What the facts are made of.
LEDGER_FIELDS = {
    "account.move": [
        "move_type",
        "invoice_date",
        "state",
        "fee_recovered_write_off_id",
        "origin_payment_id",
        "statement_line_id",
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
}
SETTLEMENT_KINDS = [
    ("payment", "Payment"),
    ("credit_note", "Credit Note"),
    ("recovery", "Recovery"),
    ("other", "Other Entry"),
]


class FeeArrearsSettlement(models.Model):
    """What settled a share of a receivable item, and when: a share of a
    reconciliation, seen from the item's side (positive on an invoice, negative on a
    payment). Kept by ``fee.arrears.fact``, with the dimensions of its share."""

    _name = "fee.arrears.settlement"
    _description = "Arrears Analysis Settlement"
    # Defined before the facts: their installation fills this table.
    _log_access = False

    item_id = fields.Many2one(
        "account.move.line", required=True, index=True, ondelete="cascade"
    )
    rn = fields.Integer(string="Share")
    partial_id = fields.Many2one(
        "account.partial.reconcile", index=True, ondelete="cascade"
    )
    date = fields.Date(help="Date of the reconciliation.")
    payment_date = fields.Date()
    payment_id = fields.Many2one("account.payment", index="btree_not_null")
    is_statement = fields.Boolean(help="Settled by a bank statement line.")
    kind = fields.Selection(SETTLEMENT_KINDS)
    amount = fields.Monetary()
    in_month = fields.Boolean(help="Settled by the end of the billing month.")
    month = fields.Date()
    date_due = fields.Date()
    move_id = fields.Many2one("account.move", ondelete="cascade")
    company_id = fields.Many2one("res.company")
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner")
    product_id = fields.Many2one("product.product")
    subscription_id = fields.Many2one("fee.subscription")
    is_debit = fields.Boolean()
    item_date = fields.Date(help="Posting date of the item.")

    def init(self):
        res = super().init()
        # As of a date, the settlements to take back are those made after it on items
        # posted by then: the date lies in [item_date, date).
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS fee_arrears_settlement_pending_index "
                "ON fee_arrears_settlement USING gist (%s)",
                PENDING,
            )
        )
        return res


class FeeArrearsTotal(models.Model):
    """Subscribers' facts added up by what the analysis mostly groups by (billing month,
    posting and due dates, fee item, area, arrears reason): it reads these thousands of
    rows instead of a million. Kept by ``fee.arrears.fact`` by appending what changed
    (the facts before, subtracted, and after, added), never by updating a row, so that
    transactions running side by side never wait on each other; ``_fee_compact`` adds
    the rows of each group up again (daily)."""

    _name = "fee.arrears.total"
    _description = "Arrears Analysis Total"
    # Defined before the facts: their installation fills this table.
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


class FeeArrearsFact(models.Model):
    """The receivable ledger as the arrears analysis reads it, kept up to date as it
    changes: one row per share of a receivable item in its document's lines (an
    invoice's amounts shared between its lines by their totals, the rounding cent on
    the first, so that products add up to the invoice), with what has been settled on
    it so far, added up by ``fee.arrears.total``. The analysis as of today reads these
    rows (or their totals) alone; as of a past date it takes back, from
    ``fee.arrears.settlement``, only what was settled since.

    Rows are written by SQL only, from the ledger: ``_fee_refresh`` recomputes the
    rows of the items given, whatever happened to them, so that a refresh run twice,
    late or after a crash leaves the same rows. Posting, reconciling and their undoing
    mark the items they change (``_fee_mark_dirty``); the rows are brought up to date
    before the transaction commits, or before the analysis reads them, whichever comes
    first."""

    _name = "fee.arrears.fact"
    _description = "Arrears Analysis Fact"
    _log_access = False

    item_id = fields.Many2one(
        "account.move.line", required=True, index=True, ondelete="cascade"
    )
    rn = fields.Integer(
        string="Share", help="Number of the document line (0: not shared)."
    )
    move_id = fields.Many2one("account.move", ondelete="cascade")
    company_id = fields.Many2one("res.company")
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", index=True)
    product_id = fields.Many2one("product.product")
    subscription_id = fields.Many2one("fee.subscription")
    month = fields.Date(help="First day of the month the document was billed.")
    date = fields.Date(help="Posting date of the item.")
    date_due = fields.Date()
    is_debit = fields.Boolean(help="The item is owed (an invoice), not a credit.")
    is_billed = fields.Boolean(help="The item is an invoice's or a credit note's.")
    is_recovery = fields.Boolean(help="The item books a written-off debt recovered.")
    amount = fields.Monetary(help="The share of the item's balance.")
    open_amount = fields.Monetary(help="What the share still owes today.")
    collected = fields.Monetary(help="Paid on the share so far.")
    collected_in_month = fields.Monetary(help="Paid by the end of the billing month.")
    credited = fields.Monetary(help="Credit notes applied to the share so far.")
    written_off = fields.Monetary(help="Other entries that settled the share so far.")

    def init(self):
        res = super().init()
        # An aging reads the items open today, and what was settled since its date.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS fee_arrears_fact_open_index "
                "ON fee_arrears_fact (date) WHERE open_amount <> 0"
            )
        )
        # On installation, the ledger that is already there.
        self.env.cr.execute(SQL("SELECT 1 FROM fee_arrears_fact LIMIT 1"))
        if not self.env.cr.rowcount:
            self._fee_refresh()
        return res

    # ------------------------------------------------------------------
    # Keeping up with the ledger
    # ------------------------------------------------------------------

    @api.model
    def _fee_mark_dirty(self, items):
        """Note that these journal items changed: their rows are refreshed before the
        transaction commits (and before the analysis reads them)."""
        items = items.filtered(lambda line: line.account_type == "asset_receivable")
        if not items:
            return
        data = self.env.cr.precommit.data
        if DIRTY not in data:
            data[DIRTY] = set()
            self.env.cr.precommit.add(self._fee_refresh_dirty)
        data[DIRTY].update(items.ids)
        data.get(READ, set()).difference_update(items.ids)

    @api.model
    def _fee_refresh_dirty(self):
        """Before the commit: refresh the rows of the items changed in this
        transaction."""
        data = self.env.cr.precommit.data
        item_ids = data.pop(DIRTY, None)
        data.pop(READ, None)
        if item_ids:
            self._fee_refresh(sorted(item_ids))

    @api.model
    def _fee_refresh_for_read(self):
        """Before the analysis reads: refresh the rows of the items changed since their
        last refresh. They are refreshed again before the commit, in case a savepoint
        rolled back after the read takes this refresh back with it."""
        data = self.env.cr.precommit.data
        item_ids = data.get(DIRTY, set()) - data.get(READ, set())
        if item_ids:
            self._fee_refresh(sorted(item_ids))
            data.setdefault(READ, set()).update(item_ids)

    @api.model
    def _fee_refresh(self, item_ids=None):
        """Recompute the rows of these receivable items (all of them when ``item_ids``
        is None) and of their settlements from the ledger."""
        for model, fnames in LEDGER_FIELDS.items():
            self.env[model].flush_model(fnames)
        if item_ids is None:
            self.env.cr.execute(
                SQL(
                    "TRUNCATE fee_arrears_settlement, fee_arrears_fact, "
                    "fee_arrears_total"
                )
            )
            restrict, of_items = SQL(), SQL("TRUE")
        else:
            of_items = SQL("fact.item_id = ANY(%s)", list(item_ids))
            self._fee_add_to_totals(of_items, -1)
            self.env.cr.execute(
                SQL(
                    "DELETE FROM fee_arrears_settlement WHERE item_id = ANY(%(ids)s);"
                    "DELETE FROM fee_arrears_fact WHERE item_id = ANY(%(ids)s)",
                    ids=list(item_ids),
                )
            )
            restrict = SQL("AND line.id = ANY(%s)", list(item_ids))
        self.env.cr.execute(self._refresh_query(restrict))
        self._fee_add_to_totals(of_items, 1)
        self.invalidate_model()
        self.env["fee.arrears.settlement"].invalidate_model()

    @api.model
    def _fee_add_to_totals(self, where, sign):
        """Append to ``fee.arrears.total`` the facts matching ``where``, added up, with
        ``sign``: -1 before they change (or their subscriber does), 1 after."""
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
        self.env["fee.arrears.total"].invalidate_model()

    @api.model
    @contextmanager
    def _fee_regrouping(self, partners, after=None):
        """Around a change of these subscribers' area, arrears reason or being one:
        their facts are taken out of the totals before and put back after (those of
        ``after``, when the change merges them into it). What is pending is refreshed
        first: a refresh while they are out would count its items twice."""
        fields = ["area_id", "arrears_reason_id", "is_subscriber"]
        self._fee_refresh_dirty()
        partners.flush_recordset(fields)
        self._fee_add_to_totals(SQL("fact.partner_id = ANY(%s)", partners.ids), -1)
        yield
        after = after or partners
        after.flush_recordset(fields)
        self._fee_add_to_totals(SQL("fact.partner_id = ANY(%s)", after.ids), 1)

    def _refresh_query(self, restrict):
        return SQL(
            """
            WITH item AS (
                SELECT line.id, line.move_id, line.company_id, line.partner_id,
                       line.balance, line.date,
                       COALESCE(line.date_maturity, line.date) AS date_due,
                       move.move_type IN ('out_invoice', 'out_refund') AS is_billed,
                       move.fee_recovered_write_off_id IS NOT NULL AS is_recovery,
                       DATE_TRUNC('month', COALESCE(move.invoice_date, line.date))::date
                           AS month
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE account.account_type = 'asset_receivable'
                   AND line.parent_state = 'posted'
                   AND line.partner_id IS NOT NULL
                   %(restrict)s
            ),
            weights AS (
                SELECT move_id, product_id, subscription_id,
                       ROW_NUMBER() OVER (PARTITION BY move_id ORDER BY id) AS rn,
                       COALESCE(
                           price_total
                               / NULLIF(SUM(price_total) OVER (PARTITION BY move_id), 0),
                           CASE WHEN ROW_NUMBER() OVER (PARTITION BY move_id ORDER BY id) = 1
                                THEN 1 ELSE 0 END
                       ) AS weight
                  FROM account_move_line
                 WHERE display_type = 'product'
                   AND move_id IN (SELECT move_id FROM item WHERE is_billed)
            ),
            share AS (
                SELECT item.*, COALESCE(w.rn, 0) AS rn, w.product_id, w.subscription_id,
                       COALESCE(w.weight, 1) AS weight,
                       %(amount)s AS amount
                  FROM item
             LEFT JOIN weights w ON w.move_id = item.move_id
            ),
            side AS (
                SELECT id AS partial_id, debit_move_id AS item_id,
                       credit_move_id AS other_id, amount, max_date
                  FROM account_partial_reconcile
                 WHERE debit_move_id IN (SELECT id FROM item)
                 UNION ALL
                SELECT id, credit_move_id, debit_move_id, -amount, max_date
                  FROM account_partial_reconcile
                 WHERE credit_move_id IN (SELECT id FROM item)
            ),
            settled AS (
                SELECT side.partial_id, share.id AS item_id, share.rn, side.max_date,
                       share.month, share.date_due, share.move_id, share.company_id,
                       share.partner_id, share.product_id, share.subscription_id,
                       share.balance > 0 AS is_debit, share.date AS item_date,
                       side.max_date < share.month + INTERVAL '1 month' AS in_month,
                       other_move.date AS payment_date,
                       other_move.origin_payment_id AS payment_id,
                       other_move.statement_line_id IS NOT NULL AS is_statement,
                       CASE WHEN other_move.fee_recovered_write_off_id IS NOT NULL
                            THEN 'recovery'
                            WHEN other_move.origin_payment_id IS NOT NULL
                                 OR other_move.statement_line_id IS NOT NULL
                            THEN 'payment'
                            WHEN other_move.move_type IN ('out_refund', 'out_invoice')
                            THEN 'credit_note'
                            ELSE 'other' END AS kind,
                       %(settled_amount)s AS amount
                  FROM side
                  JOIN share ON share.id = side.item_id
                  JOIN account_move_line other_line ON other_line.id = side.other_id
                  JOIN account_move other_move ON other_move.id = other_line.move_id
            ),
            inserted AS (
                INSERT INTO fee_arrears_settlement (
                    item_id, rn, partial_id, date, payment_date, payment_id,
                    is_statement, kind, amount, in_month, month, date_due, move_id,
                    company_id, partner_id, product_id, subscription_id, is_debit,
                    item_date)
                SELECT item_id, rn, partial_id, max_date, payment_date, payment_id,
                       is_statement, kind, amount, in_month, month, date_due, move_id,
                       company_id, partner_id, product_id, subscription_id, is_debit,
                       item_date
                  FROM settled
            )
            INSERT INTO fee_arrears_fact (
                item_id, rn, move_id, company_id, partner_id, product_id,
                subscription_id, month, date, date_due, is_debit, is_billed,
                is_recovery, amount, open_amount, collected, collected_in_month,
                credited, written_off)
            SELECT share.id, share.rn, share.move_id, share.company_id,
                   share.partner_id, share.product_id, share.subscription_id,
                   share.month, share.date, share.date_due, share.balance > 0,
                   share.is_billed, share.is_recovery, share.amount,
                   share.amount - COALESCE(total.settled, 0),
                   COALESCE(total.collected, 0), COALESCE(total.collected_in_month, 0),
                   COALESCE(total.credited, 0), COALESCE(total.written_off, 0)
              FROM share
         LEFT JOIN (
                SELECT item_id, rn, SUM(amount) AS settled,
                       SUM(amount) FILTER (WHERE kind = 'payment') AS collected,
                       SUM(amount) FILTER (WHERE kind = 'payment' AND in_month)
                           AS collected_in_month,
                       SUM(amount) FILTER (WHERE kind = 'credit_note') AS credited,
                       SUM(amount) FILTER (WHERE kind = 'other') AS written_off
                  FROM settled
              GROUP BY item_id, rn
            ) total ON total.item_id = share.id AND total.rn = share.rn
            """,
            restrict=restrict,
            amount=self._allocate(SQL("item.balance"), SQL("item.id"), SQL("w")),
            settled_amount=self._allocate(
                SQL("side.amount"), SQL("side.partial_id, share.id"), SQL("share")
            ),
        )

    def _allocate(self, amount, partition, share):
        """``amount`` of a receivable item shared between the lines of its document:
        each line its rounded share, the first line what rounding left over, so that
        the shares add up to the amount to the cent."""
        rounded = SQL("ROUND(%s * COALESCE(%s.weight, 1), 2)", amount, share)
        return SQL(
            "%s + CASE WHEN COALESCE(%s.rn, 1) <= 1 "
            "THEN %s - SUM(%s) OVER (PARTITION BY %s) ELSE 0 END",
            rounded,
            share,
            amount,
            rounded,
            partition,
        )
