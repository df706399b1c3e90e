from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import check_protected_fields
from ..tools.groups import ACCOUNTANT, MANAGER

# Dunning, billing and waivers write these through their workflows; pausing dunning
# (a promise or a dispute on the invoice) is an accountant's decision.
PROTECTED_FIELDS = {
    "fee_billing_run_id": ACCOUNTANT,
    "fee_charge_type": None,
    "dunning_level_id": None,
    "last_dunning_date": None,
    "late_fee_waived": None,
    "late_fee_waive_reason": None,
    "promise_date": ACCOUNTANT,
    "dispute_state": ACCOUNTANT,
    "dispute_note": ACCOUNTANT,
    "fee_recovered_write_off_id": None,
}
# What the arrears analysis reads of an entry once it is posted.
ARREARS_FACT_FIELDS = {"invoice_date", "fee_recovered_write_off_id"}
# What says where a posted entry's money is: sealed on a receipt's payment.
SEALED_MOVE_FIELDS = {
    "date",
    "journal_id",
    "partner_id",
    "currency_id",
    "line_ids",
    "state",
    "move_type",
    "company_id",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    fee_billing_run_id = fields.Many2one(
        "fee.billing.run",
        string="Billing Run",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    fee_charge_type = fields.Selection(
        [("late_fee", "Late Fee"), ("dunning_fee", "Dunning Fee")],
        copy=False,
        readonly=True,
        help="Set on the invoices that dunning bills by itself; they accrue no late fee.",
    )

    fee_recovered_write_off_id = fields.Many2one(
        "fee.write.off",
        string="Recovery of Write-off",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="This entry books money paid on a written-off debt (坏账收回).",
    )

    # Dunning
    dunning_level_id = fields.Many2one(
        "fee.dunning.level",
        copy=False,
        readonly=True,
    )
    last_dunning_date = fields.Date(copy=False, readonly=True)
    dunning_line_ids = fields.Many2many(
        "fee.dunning.line",
        "fee_dunning_line_account_move_rel",
        "move_id",
        "line_id",
        string="Dunning History",
        copy=False,
        readonly=True,
    )
    promise_date = fields.Date(
        string="Promised Payment Date",
        copy=False,
        tracking=True,
        help="The subscriber promised to pay by this date (预约缴费): dunning waits until then.",
    )
    dispute_state = fields.Selection(
        [("none", "No Dispute"), ("disputed", "Disputed"), ("resolved", "Resolved")],
        default="none",
        copy=False,
        tracking=True,
        help="A disputed invoice (争议欠费) is not dunned until the dispute is resolved.",
    )
    dispute_note = fields.Text(copy=False)

    # Late fees (滞纳金)
    late_fee_line_ids = fields.One2many(
        "account.move.line",
        "late_fee_source_move_id",
        string="Late Fee Lines",
        readonly=True,
    )
    late_fee_charged = fields.Monetary(
        currency_field="company_currency_id",
        compute="_compute_late_fee_charged",
        store=True,
        help="Late fee billed for this invoice, net of waivers.",
    )
    late_fee_waived = fields.Boolean(copy=False, readonly=True, tracking=True)
    late_fee_waive_reason = fields.Char(copy=False, readonly=True, tracking=True)

    @api.depends("late_fee_line_ids.balance", "late_fee_line_ids.parent_state")
    def _compute_late_fee_charged(self):
        for move in self:
            posted = move.late_fee_line_ids.filtered(
                lambda line: line.parent_state == "posted"
            )
            move.late_fee_charged = -sum(posted.mapped("balance"))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, PROTECTED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, PROTECTED_FIELDS)
        if vals.keys() & SEALED_MOVE_FIELDS:
            self._fee_check_sealed()
        result = super().write(vals)
        if vals.keys() & ARREARS_FACT_FIELDS:
            # A recovery is told from a payment by its entry: what it settled, too. A
            # draft is not in the analysis (invoice dates change often on drafts).
            self.filtered(lambda move: move.state == "posted")._fee_mark_arrears_dirty(
                settled=True
            )
        return result

    def _get_late_fee_accrued(self, date):
        """Late fee accrued on this invoice by ``date`` (company currency): the daily rate on
        the amount still due, for every day past the due date and the grace period, capped at a
        ratio of the invoice amount."""
        self.ensure_one()
        company = self.company_id
        days = (date - self.invoice_date_due).days - company.late_fee_grace_days
        if days <= 0 or self.late_fee_waived or self.fee_charge_type:
            return 0.0
        accrued = self.amount_residual_signed * company.late_fee_daily_rate * days
        cap = self.amount_total_signed * company.late_fee_cap_ratio
        return company.currency_id.round(max(min(accrued, cap), 0.0))

    def _write_dunning_state(self, level, date=None):
        """Record the dunning level (and the date of the run, if given) on posted invoices
        without the accounting write path (line synchronisation, balance check, "manually
        modified" flag) nor the chatter's tracking: these fields do not touch the journal
        items and are not tracked, and a run writes them on thousands of invoices. A system
        step of the dunning run or of the payment that lowers the level."""
        vals = {"dunning_level_id": level.id}
        if date:
            vals["last_dunning_date"] = date
        self.sudo().with_context(
            tracking_disable=True,
            skip_invoice_sync=True,
            check_move_validity=False,
            skip_is_manually_modified=True,
        ).write(vals)

    def action_dispute(self):
        self.filtered(
            lambda move: move.dispute_state != "disputed"
        ).dispute_state = "disputed"

    def action_resolve_dispute(self):
        self.filtered(
            lambda move: move.dispute_state == "disputed"
        ).dispute_state = "resolved"

    def action_open_late_fee_waive(self):
        if not self.env.user.has_group(MANAGER):
            raise UserError(
                self.env._("Only fee collection managers can waive late fees.")
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Waive Late Fee"),
            "res_model": "fee.late.fee.waive",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def _fee_check_sealed(self):
        """Refuse to change the entries of posted receipts' payments (see
        ``fee.receipt._fee_check_sealed``)."""
        entries = self.filtered(lambda move: move.move_type == "entry")
        if entries:
            self.env["fee.receipt"]._fee_check_sealed(entries.sudo().origin_payment_id)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_receipt_payment(self):
        self._fee_check_sealed()

    def button_cancel(self):
        self._fee_check_sealed()
        result = super().button_cancel()
        self._fee_mark_arrears_dirty()
        # A cancelled invoice bills nothing: its service periods are billed again.
        self.line_ids._fee_free_billed_periods()
        return result

    def button_draft(self):
        self._fee_check_sealed()
        self.filtered(
            lambda move: move.state == "cancel"
        ).line_ids._fee_check_periods_not_billed_again()
        result = super().button_draft()
        self._fee_mark_arrears_dirty()
        return result

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._fee_mark_arrears_dirty()
        # A payment or credit note posted for a subscriber lowers what is overdue before it
        # is reconciled (unapplied credit is netted): judged on its date. Only receivable
        # credits count: vendor bills and other entries leave dunning alone.
        credits = posted.line_ids.filtered(
            lambda line: (
                line.account_type == "asset_receivable"
                and line.balance < 0
                and line.partner_id
            )
        )
        self.env["fee.dunning.reaction"]._update_after_payments(
            (line.partner_id.commercial_partner_id, line.date) for line in credits
        )
        return posted

    def _fee_mark_arrears_dirty(self, settled=False):
        """The arrears analysis reads these entries' receivable items (and, with
        ``settled``, the items they are reconciled with); their reconciliations are
        noted by ``account.partial.reconcile``."""
        items = self.line_ids
        if settled:
            items = items.filtered(lambda line: line.account_type == "asset_receivable")
            items |= (
                items.matched_debit_ids.debit_move_id
                | items.matched_credit_ids.credit_move_id
            )
        # Only receivable items are kept: ``_fee_mark_dirty`` leaves out the others.
        self.env["fee.arrears.fact"]._fee_mark_dirty(items)

    def _fee_cancel_recoveries(self, ref):
        """Reverse these recoveries of written-off debts (the money they booked was
        given back, or its receipt voided): the write-offs are unrecovered again. A
        system step of the workflow that calls it."""
        if not self:
            return self
        date = fields.Date.context_today(self)
        reversals = self.sudo()._reverse_moves(
            [{"date": date, "ref": ref} for _move in self], cancel=True
        )
        for move, reversal in zip(self, reversals, strict=True):
            write_off = move.fee_recovered_write_off_id.sudo()
            reversal.fee_recovered_write_off_id = write_off
            write_off.amount_recovered -= sum(
                move.line_ids.filtered(
                    lambda line: line.account_type == "asset_receivable"
                ).mapped("balance")
            )
        return reversals

    def _compute_name(self):
        """Number each batch (a billing run's invoices, or the entries of payments
        posted together, of one journal and date) in one go. Odoo numbers one entry at
        a time, at the cost of a look-up, a savepoint and two updates each. It still
        numbers the first of a batch, finding where the sequence stands, starting a new
        period and stepping over numbers taken by postings not yet committed; the others
        follow it. The batches of a journal are numbered one after the other, in date
        order, so that each batch's first follows the batch before it.

        Why it is safe: Odoo's safeguard is the unique index on posted numbers per journal.
        Once the first entry's number is written, any other transaction posting in the
        journal (a manual invoice, a second billing worker, a cashier) computes the same
        next number from what is committed, waits on our uncommitted row for it, and steps
        over the whole batch once we commit; before that, it cannot commit a number after
        ours. So the numbers stay unique and gapless. It steps aside for everything but
        posted, unnumbered invoices of billing runs and payments' entries: manual
        invoices, credit notes, drafts and entries already named (a reset invoice keeps
        its number) go through Odoo alone."""
        batches = sorted(
            (
                moves.sorted("id")
                for moves in self.filtered(
                    lambda move: (
                        (move.fee_billing_run_id or move.origin_payment_id)
                        and move.state == "posted"
                        and move.name in (False, "/")
                    )
                )
                .grouped(lambda move: (move.journal_id, move.date))
                .values()
            ),
            key=lambda moves: moves[0].date,
        )
        batched = self.browse([move.id for moves in batches for move in moves])
        result = super(AccountMove, self - batched)._compute_name()
        for moves in batches:
            super(AccountMove, moves[0])._compute_name()
            moves[1:]._fee_number_after(moves[0])
        return result

    def _fee_number_after(self, first):
        number_format, values = first._get_sequence_format_param(first.name)
        for move in self:
            values["seq"] += 1
            move.name = number_format.format(**values)
        # Written as a computed value, which notifies nothing: the fields computed from the
        # number (lines' entry number) are to be computed again. The prefix and sequence
        # number are split at once, as Odoo does for one entry: the next batch's first
        # finds where the sequence stands by them (else it steps over this batch's
        # numbers one failed insert at a time).
        self._compute_split_sequence()
        self.modified(["name"])
        self._inverse_name()
