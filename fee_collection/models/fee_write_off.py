from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..tools import check_protected_fields, check_separation

MANAGER = "fee_collection.group_fee_manager"
ACCOUNTANT = "fee_collection.group_fee_accountant"
# Set by the write-off's workflow only: what the manager approved is what is booked.
WORKFLOW_FIELDS = dict.fromkeys(
    (
        "name",
        "state",
        "amount",
        "requested_by_id",
        "approved_by_id",
        "rejection_reason",
        "move_id",
        "amount_recovered",
    )
)
# What is asked for: changed while the write-off is a draft only.
REQUEST_FIELDS = {
    "company_id",
    "partner_id",
    "invoice_ids",
    "reason",
    "arrears_reason_id",
}
OPEN_PAYMENT_STATES = ("not_paid", "partial")


class FeeWriteOff(models.Model):
    """A bad-debt write-off (坏账核销): an accountant asks for a subscriber's open invoices
    to be written off, a manager approves it. The approval books one entry, the bad-debt
    expense against the invoices' receivables, reconciled with them, and closes the
    subscriber's services and open collection order. Money the subscriber pays later is
    booked as a recovery (坏账收回), up to what was written off."""

    _name = "fee.write.off"
    _description = "Bad Debt Write-off"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Subscriber",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_subscriber', '=', True), ('parent_id', '=', False)]",
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "fee_write_off_account_move_rel",
        "write_off_id",
        "move_id",
        string="Invoices",
        compute="_compute_invoice_ids",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id), "
        "('payment_state', 'in', ('not_paid', 'partial')), "
        "('company_id', '=', company_id)]",
        help="The subscriber's open invoices written off, each for what it still owes: "
        "all of them by default.",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        tracking=True,
        help="What the invoices owe, written off on approval.",
    )
    reason = fields.Text(required=True, tracking=True)
    arrears_reason_id = fields.Many2one(
        "fee.arrears.reason",
        compute="_compute_arrears_reason_id",
        store=True,
        readonly=False,
        tracking=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        required=True,
        default="draft",
        tracking=True,
        index=True,
        copy=False,
    )
    requested_by_id = fields.Many2one(
        "res.users", readonly=True, tracking=True, copy=False
    )
    approved_by_id = fields.Many2one(
        "res.users", readonly=True, tracking=True, copy=False
    )
    rejection_reason = fields.Char(readonly=True, tracking=True, copy=False)

    # Accounting
    move_id = fields.Many2one(
        "account.move", string="Journal Entry", readonly=True, copy=False
    )
    recovery_move_ids = fields.One2many(
        "account.move",
        "fee_recovered_write_off_id",
        string="Recoveries",
        readonly=True,
    )
    amount_recovered = fields.Monetary(
        string="Recovered",
        readonly=True,
        tracking=True,
        copy=False,
        help="Paid by the subscriber after the write-off, booked as recovered income.",
    )
    amount_unrecovered = fields.Monetary(
        string="Still Unrecovered", compute="_compute_amount_unrecovered"
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("partner_id", "company_id")
    def _compute_invoice_ids(self):
        drafts = self.filtered(lambda write_off: write_off.state == "draft")
        invoices = self.env["account.move"].search(
            [
                *self._open_invoices_domain(),
                ("commercial_partner_id", "in", drafts.partner_id.ids),
                ("company_id", "in", drafts.company_id.ids),
                ("dispute_state", "!=", "disputed"),
            ],
            order="invoice_date_due, id",
        )
        by_key = invoices.grouped(
            lambda move: (move.commercial_partner_id, move.company_id)
        )
        for write_off in drafts:
            write_off.invoice_ids = by_key.get(
                (write_off.partner_id.commercial_partner_id, write_off.company_id),
                invoices.browse(),
            )

    @api.depends("invoice_ids")
    def _compute_amount(self):
        # Not on the invoices' residual amounts: every payment would look for the
        # write-offs of its invoices. What is still open is checked on submission and
        # on approval.
        for write_off in self:
            write_off.amount = sum(write_off.invoice_ids.mapped("amount_residual"))

    @api.depends("partner_id")
    def _compute_arrears_reason_id(self):
        for write_off in self:
            write_off.arrears_reason_id = (
                write_off.partner_id.commercial_partner_id.arrears_reason_id
            )

    @api.depends("state", "amount", "amount_recovered")
    def _compute_amount_unrecovered(self):
        for write_off in self:
            write_off.amount_unrecovered = (
                write_off.amount - write_off.amount_recovered
                if write_off.state == "approved"
                else 0.0
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
        write_offs = super().create(vals_list)
        for write_off in write_offs:
            write_off.sudo().name = self._get_sequence(
                write_off.company_id
            ).next_by_id()
        return write_offs

    def write(self, vals):
        check_protected_fields(self, vals, WORKFLOW_FIELDS)
        if not self.env.su and vals.keys() & REQUEST_FIELDS:
            # What was submitted is what the manager approves.
            self._check_state("draft")
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        if self.filtered(lambda write_off: write_off.state == "approved"):
            raise UserError(
                self.env._("An approved write-off is booked and cannot be deleted.")
            )

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def action_submit(self):
        self._check_accountant()
        self._check_state("draft")
        # What the invoices owe now, which the manager approves.
        for write_off in self:
            write_off.sudo().amount = sum(
                write_off.invoice_ids.sudo().mapped("amount_residual")
            )
        self._check_invoices()
        self._set_state("submitted", requested_by_id=self.env.uid)
        managers = self.env.ref(MANAGER).users.filtered(lambda user: not user.share)
        for write_off in self:
            for manager in managers.filtered(
                lambda user, write_off=write_off: (
                    write_off.company_id in user.company_ids
                )
            ):
                write_off.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=write_off.company_id._fee_get_lang_env()._(
                        "Approve write-off %(name)s", name=write_off.name
                    ),
                    user_id=manager.id,
                )
        return True

    def action_approve(self):
        """Book the write-off and close the subscriber's services and open collection
        order: a manager's decision, carried out as a system step after its checks."""
        self._check_manager()
        self._lock()
        self._check_state("submitted")
        for write_off in self:
            check_separation(
                write_off,
                write_off.requested_by_id,
                self.env._(
                    "You asked for write-off %(name)s: another manager approves it.",
                    name=write_off.name,
                ),
                write_off.company_id._fee_get_lang_env()._(
                    "Approved by %(user)s, who asked for it (one-person office).",
                    user=self.env.user.name,
                ),
            )
        self._check_invoices()
        for company in self.company_id:
            company._fee_get_write_off_accounts()
        with self.env["res.partner"]._fee_judge_dunning_once():
            for write_off in self:
                write_off.sudo()._approve()
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def action_reject(self, reason=None):
        self._check_manager()
        self._check_state("submitted")
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for rejecting the write-off."))
        self._set_state("rejected", rejection_reason=reason)
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def action_open_reject(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Write-off"),
            "res_model": "fee.write.off.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_write_off_id": self.id},
        }

    def action_book_recovery(self):
        """Book as recovered what the subscriber paid after the write-off and is still
        unapplied (a payment registered in accounting rather than at the counter)."""
        self._check_accountant()
        self._check_state("approved")
        for write_off in self:
            partner = write_off.partner_id.commercial_partner_id
            company = write_off.company_id
            recoveries = self.sudo()._fee_book_recoveries(
                partner,
                company,
                self.sudo()._get_credit_lines(partner, company),
                write_offs=write_off.sudo(),
            )
            if not recoveries:
                raise UserError(
                    self.env._(
                        "%(partner)s has no payment left to book as recovered on "
                        "%(name)s.",
                        partner=partner.display_name,
                        name=write_off.name,
                    )
                )
        return True

    def action_view_move(self):
        self.ensure_one()
        moves = self.move_id | self.recovery_move_ids
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Journal Entries"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", moves.ids)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def _approve(self):
        self.ensure_one()
        move_vals, invoice_lines = self._prepare_move_vals()
        move = self.env["account.move"].create(move_vals)
        move.action_post()
        # The entry's receivable lines, in the order they were prepared: each against
        # the invoice's open items it settles.
        for line, open_lines in zip(
            move.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            ).sorted("id"),
            invoice_lines,
            strict=True,
        ):
            (line | open_lines).reconcile()
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "move_id": move.id,
            }
        )
        services = self._close_services()
        self._close_orders()
        self._log_on_partner(services)

    def _prepare_move_vals(self):
        """The entry: the bad-debt expense debited, each invoice's receivable credited for
        what it owes, with the subscriber as partner; and, for each receivable line in
        their order, the invoice's open items it settles."""
        self.ensure_one()
        company = self.company_id
        env = company._fee_get_lang_env()
        partner = self.partner_id.commercial_partner_id
        expense_account, _recovery_account = company._fee_get_write_off_accounts()
        credit_lines = []
        invoice_lines = []
        total = 0.0
        for invoice in self.invoice_ids:
            open_lines = invoice.line_ids.filtered(
                lambda line: (
                    line.account_type == "asset_receivable" and not line.reconciled
                )
            )
            for account, lines in open_lines.grouped("account_id").items():
                invoice_lines.append(lines)
                residual = sum(lines.mapped("amount_residual"))
                total += residual
                credit_lines.append(
                    Command.create(
                        {
                            "account_id": account.id,
                            "partner_id": partner.id,
                            "name": env._(
                                "Bad debt written off: %(invoice)s",
                                invoice=invoice.name,
                            ),
                            "balance": -residual,
                        }
                    )
                )
        move_vals = {
            "move_type": "entry",
            "journal_id": company._fee_get_misc_journal().id,
            "date": fields.Date.context_today(self),
            "ref": env._(
                "Write-off %(name)s: %(reason)s", name=self.name, reason=self.reason
            ),
            "company_id": company.id,
            "line_ids": [
                Command.create(
                    {
                        "account_id": expense_account.id,
                        "partner_id": partner.id,
                        "name": env._(
                            "Bad debt of %(partner)s (%(name)s)",
                            partner=partner.name,
                            name=self.name,
                        ),
                        "balance": total,
                    }
                ),
                *credit_lines,
            ],
        }
        return move_vals, invoice_lines

    def _close_services(self):
        """Close the subscriber's services that are not closed yet, disconnecting the
        connected ones first, as their state machine wants."""
        services = self.env["fee.subscription"].search(
            [
                ("partner_id", "child_of", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "!=", "closed"),
            ]
        )
        services.filtered(
            lambda service: service.state in ("active", "suspended")
        ).action_disconnect()
        services.action_close()
        return services

    def _close_orders(self):
        """Close the subscriber's open collection order as written off: nothing is left
        to collect, and nothing was paid (the payments' closing would say paid). A
        promise still pending was not kept."""
        orders = self.env["fee.collection.order"].search(
            [
                ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "open"),
            ]
        )
        body = self.company_id._fee_get_lang_env()._(
            "Closed: the debt was written off (%(name)s).", name=self.name
        )
        orders._message_log_batch(dict.fromkeys(orders.ids, body))
        orders.filtered(lambda order: order.promise_state == "pending").write(
            {"promise_state": "broken"}
        )
        orders.write({"state": "done", "outcome": "written_off", "amount_due": 0.0})

    def _log_on_partner(self, services):
        self.ensure_one()
        env = self.company_id._fee_get_lang_env()
        body = env._(
            "Bad debt of %(amount)s written off by %(name)s (%(invoices)s): %(reason)s",
            amount=format_amount(env, self.amount, self.currency_id),
            name=self.name,
            invoices=", ".join(self.invoice_ids.mapped("name")),
            reason=self.reason,
        )
        if services:
            body += " " + env._(
                "Services closed: %(services)s",
                services=", ".join(services.mapped("display_name")),
            )
        self.partner_id.commercial_partner_id._message_log(
            body=Markup("<p>%s</p>") % body
        )

    # ------------------------------------------------------------------
    # Recovery (坏账收回)
    # ------------------------------------------------------------------

    @api.model
    def _fee_book_recoveries(self, partner, company, credit_lines, write_offs=None):
        """Book the unapplied credit of ``credit_lines`` (receivable credit items of the
        subscriber ``partner``) as recovered on its approved write-offs (or on
        ``write_offs`` only) not yet fully recovered, the oldest first, up to what each
        wrote off: one entry per write-off, the receivable debited (reconciled with the
        credit) and the recovery income credited. A system step of the payment; returns
        the entries."""
        moves = self.env["account.move"]
        credit_lines = credit_lines.filtered(
            lambda line: (
                line.account_type == "asset_receivable"
                and line.parent_state == "posted"
                and not line.reconciled
                and company.currency_id.compare_amounts(line.amount_residual, 0.0) < 0
            )
        )
        if not credit_lines:
            return moves
        domain = [
            ("partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("state", "=", "approved"),
        ]
        if write_offs is not None:
            domain.append(("id", "in", write_offs.ids))
        write_offs = self.search(domain, order="id")
        if not write_offs:
            return moves
        # A payment taken at the same time for the same subscriber waits here, then
        # sees what this one recovered.
        write_offs._lock()
        write_offs = write_offs.filtered(
            lambda write_off: (
                company.currency_id.compare_amounts(write_off.amount_unrecovered, 0.0)
                > 0
            )
        )
        if not write_offs:
            return moves
        _expense_account, recovery_account = company._fee_get_write_off_accounts()
        env = company._fee_get_lang_env()
        for account, lines in credit_lines.grouped("account_id").items():
            available = -sum(lines.mapped("amount_residual"))
            for write_off in write_offs:
                amount = min(available, write_off.amount_unrecovered)
                if company.currency_id.compare_amounts(amount, 0.0) <= 0:
                    continue
                move = moves.with_context(
                    mail_create_nolog=True, mail_create_nosubscribe=True
                ).create(
                    write_off._prepare_recovery_move_vals(
                        account, recovery_account, amount
                    )
                )
                move.action_post()
                (
                    move.line_ids.filtered(
                        lambda line, account=account: line.account_id == account
                    )
                    | lines.filtered(lambda line: not line.reconciled)
                ).reconcile()
                moves |= move
                available -= amount
                write_off.amount_recovered += amount
                write_off.message_post(
                    body=env._(
                        "%(amount)s recovered (%(move)s).",
                        amount=format_amount(env, amount, company.currency_id),
                        move=move.name,
                    ),
                )
        return moves

    def _prepare_recovery_move_vals(self, receivable_account, recovery_account, amount):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        label = self.company_id._fee_get_lang_env()._(
            "Bad debt recovered (%(name)s)", name=self.name
        )
        return {
            "move_type": "entry",
            "journal_id": self.company_id._fee_get_misc_journal().id,
            "date": fields.Date.context_today(self),
            "ref": label,
            "company_id": self.company_id.id,
            "fee_recovered_write_off_id": self.id,
            "line_ids": [
                Command.create(
                    {
                        "account_id": receivable_account.id,
                        "partner_id": partner.id,
                        "name": label,
                        "balance": amount,
                    }
                ),
                Command.create(
                    {
                        "account_id": recovery_account.id,
                        "partner_id": partner.id,
                        "name": label,
                        "balance": -amount,
                    }
                ),
            ],
        }

    @api.model
    def _get_credit_lines(self, partner, company):
        """The subscriber's unapplied payments: receivable credit items of payments
        (not credit notes: they are no money received) not reconciled."""
        return self.env["account.move.line"].search(
            [
                "|",
                ("move_id.origin_payment_id", "!=", False),
                ("move_id.statement_line_id", "!=", False),
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            order="date, id",
        )

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    @api.model
    def _get_sequence(self, company):
        """The company's numbering of write-offs, made on first use."""
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search(
            [("code", "=", "fee.write.off"), ("company_id", "=", company.id)], limit=1
        )
        return sequence or Sequence.create(
            {
                "name": company._fee_get_lang_env()._(
                    "Write-offs of %(company)s", company=company.name
                ),
                "code": "fee.write.off",
                "company_id": company.id,
                "prefix": "WO/%(year)s/",
                "padding": 5,
            }
        )

    @api.model
    def _open_invoices_domain(self):
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]

    def _check_invoices(self):
        """Refuse what cannot be written off, with the reason: nothing open, an invoice
        of someone else, paid or in dispute, or already in another write-off."""
        for write_off in self:
            partner = write_off.partner_id.commercial_partner_id
            invoices = write_off.invoice_ids.sudo()
            if not invoices:
                raise UserError(
                    self.env._(
                        "%(name)s has no open invoice of %(partner)s to write off.",
                        name=write_off.name,
                        partner=partner.display_name,
                    )
                )
            for invoice in invoices:
                if (
                    invoice.commercial_partner_id != partner
                    or invoice.company_id != write_off.company_id
                    or invoice.move_type != "out_invoice"
                    or invoice.state != "posted"
                ):
                    raise UserError(
                        self.env._(
                            "Invoice %(invoice)s is not a posted invoice of %(partner)s "
                            "in %(company)s.",
                            invoice=invoice.display_name,
                            partner=partner.display_name,
                            company=write_off.company_id.name,
                        )
                    )
                if invoice.payment_state not in OPEN_PAYMENT_STATES or (
                    invoice.currency_id.is_zero(invoice.amount_residual)
                ):
                    raise UserError(
                        self.env._(
                            "Invoice %(invoice)s is paid: there is nothing to write off.",
                            invoice=invoice.name,
                        )
                    )
                if invoice.dispute_state == "disputed":
                    raise UserError(
                        self.env._(
                            "Invoice %(invoice)s is disputed: resolve the dispute before "
                            "writing it off.",
                            invoice=invoice.name,
                        )
                    )
            open_amount = sum(invoices.mapped("amount_residual"))
            compared = write_off.currency_id.compare_amounts(
                write_off.amount, open_amount
            )
            amount = format_amount(self.env, write_off.amount, write_off.currency_id)
            open_text = format_amount(self.env, open_amount, write_off.currency_id)
            if compared > 0:
                raise UserError(
                    self.env._(
                        "%(name)s writes off %(amount)s, more than the %(open)s the "
                        "invoices still owe: reject it and ask for a new write-off.",
                        name=write_off.name,
                        amount=amount,
                        open=open_text,
                    )
                )
            if compared < 0:
                raise UserError(
                    self.env._(
                        "The invoices of %(name)s now owe %(open)s, not the %(amount)s "
                        "submitted: reject it and ask for a new write-off.",
                        name=write_off.name,
                        amount=amount,
                        open=open_text,
                    )
                )
            other = self.sudo().search(
                [
                    ("id", "!=", write_off.id),
                    ("state", "=", "submitted"),
                    ("invoice_ids", "in", invoices.ids),
                ],
                limit=1,
            )
            if other:
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is already in write-off %(name)s.",
                        invoice=(other.invoice_ids & invoices)[:1].name,
                        name=other.name,
                    )
                )

    def _check_accountant(self):
        if not self.env.user.has_group(ACCOUNTANT):
            raise UserError(
                self.env._("Only fee collection accountants ask for write-offs.")
            )

    def _check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise UserError(
                self.env._("Only fee collection managers approve or reject write-offs.")
            )

    def _check_state(self, *states):
        wrong = self.filtered(lambda write_off: write_off.state not in states)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Write-off %(name)s is %(state)s.",
                    name=wrong[0].name,
                    state=labels[wrong[0].state],
                )
            )

    def _lock(self):
        """Lock the write-offs against a concurrent approval or recovery (which waits,
        then finds them approved or recovered), then read them afresh."""
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(
            SQL("SELECT id FROM fee_write_off WHERE id = ANY(%s) FOR UPDATE", self.ids)
        )
        self.invalidate_recordset()

    def _set_state(self, state, **vals):
        """The workflow writes its fields as a system step, after its own checks."""
        self.check_access("write")
        self.sudo().write({"state": state, **vals})
