from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .fee_receipt_collect import QUIET

# The channels whose money arrives many receipts at once: paper receipts backfilled
# after an outage, a bank's return file of direct debits.
BATCH_CHANNELS = ("import", "bank")
# Rows are booked this many at a time, in the one transaction: Odoo's bookkeeping of a
# recordset of payments slows down as it grows (a file of 10,000 rows posted in 344 s
# instead of 425 s, 20.5 queries a row instead of 24.0; bench/README.md).
BOOKING_CHUNK = 1000


class CollectionRowError(UserError):
    """A row of a batch that cannot be taken: ``row`` names it, ``reason`` says why."""

    def __init__(self, message, row, reason):
        super().__init__(message)
        self.row = row
        self.reason = reason


class FeeReceipt(models.Model):
    """The collection process for many rows at once (a backfill, a bank's return file):
    the same checks and bookings as ``_collect``, done as one pass over all rows so that
    thousands post in a minute or two, all or nothing."""

    _inherit = "fee.receipt"

    @api.model
    def _collect_batch(self, rows, *, channel):
        """Receive the money of ``rows`` and return their receipts, in the rows' order
        (``res.partner._fee_collect_batch`` is the public entry point).

        Each row is a dict: ``partner``, ``amount``, ``journal``, and optionally ``date``
        (today), ``paper_number``, ``user`` (who took the money; the current user) and
        ``row`` (how the row is named in errors; its position from 1). Every row is
        checked before anything is written; a row that cannot be taken raises a
        ``UserError`` naming it and nothing is booked. Then, as ``_collect`` does for
        one, a thousand rows at a time: the payments are created and posted as one
        recordset, reconciled with each subscriber's open items oldest due first (credit
        first) in one reconciliation plan, and the receipts created in one step. Last,
        all receipts are numbered in one step, and dunning judges every subscriber
        once."""
        if channel not in BATCH_CHANNELS:
            raise UserError(
                self.env._(
                    "Collections of the channel %(channel)s are taken one by one.",
                    channel=channel,
                )
            )
        if not rows:
            return self.browse()
        company = self.env.company
        rows = self._prepare_batch_rows(rows, company)
        self._check_batch(rows, channel, company)
        partners = (
            self.env["res.partner"].sudo().union(*(row["partner"] for row in rows))
        )
        # Booking is a system step past the checks, as for one receipt.
        booker = self.sudo()
        booker._lock_open_items(partners)
        receipts = booker.browse()
        with booker.env["fee.dunning.reaction"]._judge_once():
            for start in range(0, len(rows), BOOKING_CHUNK):
                receipts |= booker._book_batch(
                    rows[start : start + BOOKING_CHUNK], channel, company
                )
            # Numbered last, all at once: the sequence's row stays locked until the
            # commit, and the counter's cashiers wait for it that long only.
            receipts._number()
            with booker._fee_unsealed(receipts.payment_id):
                for receipt in receipts:
                    receipt.payment_id.memo = receipt.name
            receipts._log_on_invoices()
        booker.env["fee.anomaly"].sudo()._check_duplicate_receipts(receipts)
        return receipts.with_env(self.env)

    @api.model
    def _book_batch(self, rows, channel, company):
        """The unnumbered receipts of ``rows``, their payments posted and reconciled."""
        partners = self.env["res.partner"].union(*(row["partner"] for row in rows))
        open_lines = self._get_open_receivable_lines(partners, company)
        payments = self._create_payments(rows, company)
        payment_lines = {
            payment: payment.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            for payment in payments
        }
        self._reconcile_batch(rows, payments, payment_lines, open_lines)
        self._book_batch_recoveries(rows, payments, payment_lines, company)
        return self._create_batch_receipts(
            rows, payments, payment_lines, channel, company
        )

    # ------------------------------------------------------------------
    # Checks: every row, before anything is written
    # ------------------------------------------------------------------

    @api.model
    def _prepare_batch_rows(self, rows, company):
        today = fields.Date.context_today(self)
        prepared = []
        for position, row in enumerate(rows, start=1):
            unknown = set(row) - {
                "partner",
                "amount",
                "journal",
                "date",
                "paper_number",
                "user",
                "row",
            }
            if unknown:
                raise ValueError(f"Unknown keys of a collection row: {sorted(unknown)}")
            prepared.append(
                {
                    "row": row.get("row") or position,
                    # Read as the system, as for one receipt: rights are checked below.
                    "partner": row["partner"].sudo().commercial_partner_id,
                    "amount": row["amount"],
                    "journal": row["journal"].sudo(),
                    "date": row.get("date") or today,
                    "paper_number": (row.get("paper_number") or "").strip().upper()
                    or None,
                    "user": row.get("user") or self.env.user,
                }
            )
        return prepared

    @api.model
    def _check_batch(self, rows, channel, company):
        """``_check_collection`` for every row, each distinct subscriber, payment method
        and receiver checked once, the paper numbers in one query."""
        if not self.env.su:
            partners = self.env["res.partner"].union(*(row["partner"] for row in rows))
            self._check_collector_rights(partners, channel, None)
        checked = set()
        numbers = {}
        for row in rows:
            try:
                self._check_amount(row["amount"], company)
                if row["partner"] not in checked:
                    self._check_subscriber(row["partner"], company)
                    checked.add(row["partner"])
                if (row["journal"], row["user"]) not in checked:
                    self._check_journal(row["journal"], channel, company, row["user"])
                    self._check_receiver(row["user"], channel)
                    checked.add((row["journal"], row["user"]))
                number = row["paper_number"]
                if number:
                    if number in numbers:
                        raise UserError(
                            self.env._(
                                "paper receipt %(number)s is also on row %(row)s.",
                                number=number,
                                row=numbers[number],
                            )
                        )
                    numbers[number] = row["row"]
                    self._check_paper_number_size(number)
            except UserError as error:
                raise self._row_error(row, error) from error
        entered = (
            self.env["fee.receipt"]
            .sudo()
            .search_fetch(
                [
                    ("company_id", "=", company.id),
                    ("paper_number", "in", list(numbers)),
                ],
                ["paper_number"],
                limit=1,
            )
        )
        if entered:
            row = next(
                row for row in rows if row["paper_number"] == entered.paper_number
            )
            raise self._row_error(
                row,
                self.env._(
                    "Paper receipt %(number)s has already been entered.",
                    number=entered.paper_number,
                ),
            )

    @api.model
    def _row_error(self, row, error):
        reason = error.args[0] if isinstance(error, UserError) else error
        return CollectionRowError(
            self.env._("Row %(row)s: %(error)s", row=row["row"], error=reason),
            row["row"],
            reason,
        )

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    @api.model
    def _reconcile_batch(self, rows, payments, payment_lines, open_lines):
        """Each subscriber's payments with its open items, in one reconciliation plan:
        the oldest due first, credit first, the payments in the rows' order."""
        by_partner = defaultdict(lambda: self.env["account.move.line"])
        for row, payment in zip(rows, payments, strict=True):
            by_partner[row["partner"]] |= payment_lines[payment]
        plan = []
        open_by_partner = open_lines.grouped("partner_id")
        for partner, lines in by_partner.items():
            to_reconcile = open_by_partner.get(partner, open_lines.browse()).filtered(
                lambda line, lines=lines: line.account_id == lines.account_id[:1]
            )
            if to_reconcile:
                plan.append(lines | to_reconcile)
        if plan:
            self.env["account.move.line"].with_context(**QUIET)._reconcile_plan(plan)

    @api.model
    def _book_batch_recoveries(self, rows, payments, payment_lines, company):
        """What is left on subscribers whose debt was written off is recovered, as for
        one receipt; only those with an approved write-off are looked at."""
        left = defaultdict(lambda: self.env["account.move.line"])
        for row, payment in zip(rows, payments, strict=True):
            unreconciled = payment_lines[payment].filtered(
                lambda line: not line.reconciled
            )
            if unreconciled:
                left[row["partner"]] |= unreconciled
        if not left:
            return
        WriteOff = self.env["fee.write.off"].sudo()
        written_off = {
            partner
            for [partner] in WriteOff._read_group(
                [
                    ("partner_id", "in", [partner.id for partner in left]),
                    ("company_id", "=", company.id),
                    ("state", "=", "approved"),
                ],
                ["partner_id"],
            )
        }
        for partner in written_off:
            WriteOff._fee_book_recoveries(partner, company, left[partner])

    @api.model
    def _create_batch_receipts(self, rows, payments, payment_lines, channel, company):
        # Reads what every payment paid at once, not payment by payment.
        self.env["account.move.line"].union(*payment_lines.values()).mapped(
            "matched_debit_ids.debit_move_id.move_id.invoice_line_ids.name"
        )
        balances = self.env["fee.overdue"]._get_balances(
            self.env["res.partner"].union(*(row["partner"] for row in rows)), company
        )
        # A subscriber's balance after each of its rows: what it owes at the end, plus
        # what its later rows paid.
        paid_later = defaultdict(float)
        balance_after = [0.0] * len(rows)
        for index in range(len(rows) - 1, -1, -1):
            row = rows[index]
            balance_after[index] = (
                balances.get(row["partner"], 0.0) + paid_later[row["partner"]]
            )
            paid_later[row["partner"]] += row["amount"]
        return self.create(
            [
                {
                    "date": row["date"],
                    "company_id": company.id,
                    "partner_id": row["partner"].id,
                    "amount": row["amount"],
                    "journal_id": row["journal"].id,
                    "channel": channel,
                    "user_id": row["user"].id,
                    "paper_number": row["paper_number"] or False,
                    "payment_id": payment.id,
                    "amount_credit": -sum(
                        payment_lines[payment].mapped("amount_residual")
                    ),
                    "balance_after": company.currency_id.round(balance_after[index]),
                    "line_ids": [
                        Command.create(vals)
                        for vals in self._prepare_line_vals_list(payment_lines[payment])
                    ],
                }
                for index, (row, payment) in enumerate(zip(rows, payments, strict=True))
            ]
        )
