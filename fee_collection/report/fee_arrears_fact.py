from contextlib import contextmanager

from odoo import api, fields, models
from odoo.tools import SQL

# Keys in ``cr.precommit.data``: the receivable items changed in this transaction, and
# those of them refreshed by a flush (for a read) since they last changed.
DIRTY = "fee_collection.arrears_fact_dirty"
READ = "fee_collection.arrears_fact_read"
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
        "company_currency_id",
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
    "res.currency": ["decimal_places"],
}


class FeeArrearsFact(models.Model):
    """The receivable ledger as the arrears analysis reads it, kept up to date as it
    changes: one row per share of a receivable item in its document's lines (an
    invoice's amounts shared between its lines by their totals, in the decimals of the
    company's currency, what rounding leaves over on the first, so that products add
    up to the invoice), with what has been settled on it so far, added up by
    ``fee.arrears.total``. The analysis as of today reads these rows (or their totals)
    alone; as of a past date it takes back, from ``fee.arrears.settlement``, only what
    was settled since.

    Rows are written by SQL only, from the ledger: ``_fee_refresh`` recomputes the
    rows of the items given, whatever happened to them, so that a refresh run twice,
    late or after a crash leaves the same rows. Posting, reconciling and their undoing
    mark the items they change (``_fee_mark_dirty``); the rows are brought up to date
    before the transaction commits, or when the facts are flushed, whichever comes
    first: Odoo flushes them before a query reads them, or reads the analysis (which
    names them in its ``_depends``)."""

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
        # On installation, the ledger that is already there, once the tables of the
        # settlements and totals are made as well.
        self.pool.post_init(self._fee_fill)
        return res

    def flush_model(self, fnames=None):
        """The rows of the items changed since their last refresh are the facts'
        pending writes, brought up to date where Odoo flushes them: before a query
        reads them. They are refreshed again before the commit, in case a savepoint
        rolled back after the read takes this refresh back with it."""
        data = self.env.cr.precommit.data
        item_ids = data.get(DIRTY, set()) - data.get(READ, set())
        if item_ids:
            self._fee_refresh(sorted(item_ids))
            data.setdefault(READ, set()).update(item_ids)
        return super().flush_model(fnames)

    # ------------------------------------------------------------------
    # Keeping up with the ledger
    # ------------------------------------------------------------------

    @api.model
    def _fee_mark_dirty(self, items):
        """Note that these journal items changed: their rows are refreshed before the
        transaction commits (and before they are read)."""
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
    def _fee_refresh(self, item_ids=None):
        """Recompute the rows of these receivable items (all of them when ``item_ids``
        is None) and of their settlements from the ledger."""
        for model, fnames in LEDGER_FIELDS.items():
            self.env[model].flush_model(fnames)
        totals = self.env["fee.arrears.total"]
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
            totals._fee_add_facts(of_items, -1)
            self.env.cr.execute(
                SQL(
                    "DELETE FROM fee_arrears_settlement WHERE item_id = ANY(%(ids)s);"
                    "DELETE FROM fee_arrears_fact WHERE item_id = ANY(%(ids)s)",
                    ids=list(item_ids),
                )
            )
            restrict = SQL("AND line.id = ANY(%s)", list(item_ids))
        self.env.cr.execute(self._refresh_query(restrict))
        totals._fee_add_facts(of_items, 1)
        self.invalidate_model(flush=False)
        self.env["fee.arrears.settlement"].invalidate_model()

    @api.model
    def _fee_fill(self):
        """The rows of the whole ledger, when there are none yet (on installation)."""
        self.env.cr.execute(SQL("SELECT 1 FROM fee_arrears_fact LIMIT 1"))
        if not self.env.cr.rowcount:
            self._fee_refresh()

    @api.model
    @contextmanager
    def _fee_regrouping(self, partners, after=None):
        """Around a change of these subscribers' area, arrears reason or being one:
        their facts are taken out of the totals before and put back after (those of
        ``after``, when the change merges them into it). What is pending is refreshed
        first: a refresh while they are out would count its items twice."""
        fields = ["area_id", "arrears_reason_id", "is_subscriber"]
        totals = self.env["fee.arrears.total"]
        self._fee_refresh_dirty()
        partners.flush_recordset(fields)
        totals._fee_add_facts(SQL("fact.partner_id = ANY(%s)", partners.ids), -1)
        yield
        after = after or partners
        after.flush_recordset(fields)
        totals._fee_add_facts(SQL("fact.partner_id = ANY(%s)", after.ids), 1)

    def _refresh_query(self, restrict):
        return SQL(
            """
            WITH item AS (
                SELECT line.id, line.move_id, line.company_id, line.partner_id,
                       line.balance, currency.decimal_places AS decimals, line.date,
                       COALESCE(line.date_maturity, line.date) AS date_due,
                       move.move_type IN ('out_invoice', 'out_refund') AS is_billed,
                       move.fee_recovered_write_off_id IS NOT NULL AS is_recovery,
                       DATE_TRUNC('month', COALESCE(move.invoice_date, line.date))::date
                           AS month
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                  JOIN res_currency currency ON currency.id = line.company_currency_id
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
            amount=self._allocate(
                SQL("item.balance"), SQL("item.decimals"), SQL("item.id"), SQL("w")
            ),
            settled_amount=self._allocate(
                SQL("side.amount"),
                SQL("share.decimals"),
                SQL("side.partial_id, share.id"),
                SQL("share"),
            ),
        )

    def _allocate(self, amount, decimals, partition, share):
        """``amount`` of a receivable item shared between the lines of its document:
        each line its share rounded to ``decimals`` (of the company's currency), the
        first line what rounding left over, so that the shares add up to the amount
        exactly."""
        rounded = SQL("ROUND(%s * COALESCE(%s.weight, 1), %s)", amount, share, decimals)
        return SQL(
            "%s + CASE WHEN COALESCE(%s.rn, 1) <= 1 "
            "THEN %s - SUM(%s) OVER (PARTITION BY %s) ELSE 0 END",
            rounded,
            share,
            amount,
            rounded,
            partition,
        )
