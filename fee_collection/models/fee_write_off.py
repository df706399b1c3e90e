from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools.groups import ACCOUNTANT

OPEN_PAYMENT_STATES = ("not_paid", "partial")


class FeeWriteOff(models.Model):
    """A bad-debt write-off (坏账核销): an accountant asks for a subscriber's open invoices
    to be written off, a manager approves it. The approval books one entry, the bad-debt
    expense against the invoices' receivables, reconciled with them, and closes the
    subscriber's services and open collection order. Money the subscriber pays later is
    booked as a recovery (坏账收回), up to what was written off."""

    _name = "fee.write.off"
    _description = "Bad Debt Write-off"
    _inherit = ["fee.approval.mixin"]
    _order = "create_date desc, id desc"

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
        write_offs = super().create(vals_list)
        for write_off in write_offs:
            write_off.sudo().name = self._get_sequence(
                write_off.company_id
            ).next_by_id()
        return write_offs

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
        return super().action_submit()

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
    # Approval steps
    # ------------------------------------------------------------------

    def _get_workflow_fields(self):
        """What the manager approved is what is booked."""
        return {
            **super()._get_workflow_fields(),
            **dict.fromkeys(("amount", "move_id", "amount_recovered")),
        }

    def _get_request_fields(self):
        return super()._get_request_fields() | {
            "partner_id",
            "invoice_ids",
            "reason",
            "arrears_reason_id",
        }

    def _check_submission(self):
        # What the invoices owe now, which the manager approves.
        for write_off in self:
            write_off.sudo().amount = sum(
                write_off.invoice_ids.sudo().mapped("amount_residual")
            )
        self._check_invoices()

    def _approve(self):
        """Book the write-offs and close the subscribers' services and open collection
        orders: a manager's decision, carried out as a system step after its checks."""
        self._check_invoices()
        for company in self.company_id:
            company._fee_get_write_off_accounts()
        with self.env["fee.dunning.reaction"]._judge_once():
            for write_off in self:
                write_off.sudo()._book()

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def _book(self):
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
    # Checks
    # ------------------------------------------------------------------

    @api.model
    def _get_sequence(self, company):
        """The company's numbering of write-offs, made on first use."""
        return self.env["ir.sequence"]._fee_get_company_sequence(
            "fee.write.off",
            company,
            lambda env: {
                "name": env._("Write-offs of %(company)s", company=company.name),
                "prefix": "WO/%(year)s/",
                "padding": 5,
            },
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

    # ------------------------------------------------------------------
    # The approval's words
    # ------------------------------------------------------------------

    def _get_request_label(self):
        return self.env._("write-off")
