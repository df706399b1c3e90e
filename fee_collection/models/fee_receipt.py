from contextlib import contextmanager

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..tools.groups import MANAGER

CHANNELS = [
    ("counter", "Counter"),
    ("field", "Field"),
    ("agent", "Agent"),
    ("online", "Online"),
    ("import", "Backfill"),
    ("bank", "Bank"),
]
# The receipt's layouts, by the ``fee_receipt_layout`` of the context (Print A5).
RECEIPT_REPORTS = {
    "roll": "fee_collection.action_report_fee_receipt",
    "a5": "fee_collection.action_report_fee_receipt_a5",
}
# Payments of posted receipts that their receipt's own workflow is changing (a void): kept
# on the transaction, where no RPC client can put anything, unlike the context.
UNSEALED_KEY = "fee_collection.unsealed_payment_ids"
# Set while the collection creates and posts its own new payments (no receipt has them).
CREATING_KEY = "fee_collection.creating_payments"


class FeeReceipt(models.Model):
    """The one collection document (收款凭证), whatever the channel: counter, collector in the
    field, agent, online payment or backfilled paper receipt. Created only by
    ``res.partner._fee_collect``, which posts and reconciles its payment; voided only by
    ``action_void``, which reverses it. Nobody writes a receipt directly: its access rights
    allow reading only, the workflows write as a system step after their own checks."""

    _name = "fee.receipt"
    _description = "Receipt"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default="/"
    )
    date = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Subscriber", required=True, readonly=True, index=True
    )
    amount = fields.Monetary(required=True, readonly=True)
    journal_id = fields.Many2one(
        "account.journal", string="Payment Method", required=True, readonly=True
    )
    channel = fields.Selection(
        CHANNELS, string="Payment Channel", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Received By",
        required=True,
        readonly=True,
        index=True,
        help="Who took the money.",
    )
    cash_session_id = fields.Many2one(
        "fee.cash.session", readonly=True, index="btree_not_null"
    )
    collection_order_id = fields.Many2one(
        "fee.collection.order", readonly=True, index="btree_not_null"
    )
    agent_id = fields.Many2one("res.partner", readonly=True, index="btree_not_null")
    paper_number = fields.Char(
        readonly=True,
        copy=False,
        help="Number of the paper receipt written while the system was down (补录).",
    )
    payment_id = fields.Many2one(
        "account.payment", readonly=True, copy=False, index="btree_not_null"
    )
    line_ids = fields.One2many("fee.receipt.line", "receipt_id", string="Paid")
    invoice_ids = fields.Many2many(
        "account.move", compute="_compute_invoice_ids", string="Invoices Paid"
    )
    amount_credit = fields.Monetary(
        string="Kept as Credit",
        readonly=True,
        help="The part of the amount no open invoice took: the subscriber's credit.",
    )
    amount_tendered = fields.Monetary(readonly=True)
    amount_change = fields.Monetary(readonly=True)
    balance_after = fields.Monetary(
        string="Balance Left",
        readonly=True,
        help="What the subscriber still owed, all invoices, once this receipt was taken.",
    )
    state = fields.Selection(
        [("posted", "Posted"), ("voided", "Voided")],
        required=True,
        readonly=True,
        default="posted",
        tracking=True,
        index=True,
    )
    void_reason = fields.Char(readonly=True, tracking=True)
    voided_by_id = fields.Many2one("res.users", readonly=True)
    void_session_id = fields.Many2one(
        "fee.cash.session",
        readonly=True,
        index="btree_not_null",
        help="The session the money was given back from: the receipt's own while it is "
        "open, else the open session of whoever voided it.",
    )
    void_date = fields.Datetime(readonly=True)
    print_count = fields.Integer(readonly=True)
    reprint_ids = fields.One2many(
        "fee.receipt.reprint", "receipt_id", string="Reprints"
    )

    _sql_constraints = [
        (
            "paper_number_company_uniq",
            "unique(company_id, paper_number)",
            "This paper receipt number has already been entered.",
        ),
        ("amount_positive", "CHECK(amount > 0)", "A receipt takes a positive amount."),
    ]

    def init(self):
        result = super().init()
        # Numbers are unique per company; "/" is the placeholder of a receipt being made,
        # left out so that cashiers making receipts at once do not wait on each other.
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS fee_receipt_name_company_uniq
                ON fee_receipt (company_id, name) WHERE name != '/'
        """)
        return result

    @api.depends("line_ids.move_id")
    def _compute_invoice_ids(self):
        for receipt in self:
            receipt.invoice_ids = receipt.line_ids.move_id

    # ------------------------------------------------------------------
    # Creation (through res.partner._fee_collect only)
    # ------------------------------------------------------------------

    @api.model
    def _get_sequence(self, company):
        """The company's gapless receipt sequence, made on first use: a receipt number is
        never skipped nor reused (no_gap: taken under a row lock, rolled back with the
        transaction that fails)."""
        return self.env["ir.sequence"]._fee_get_company_sequence(
            "fee.receipt",
            company,
            lambda env: {
                "name": env._("Receipts of %(company)s", company=company.name),
                "implementation": "no_gap",
                "prefix": "SK/%(year)s/",
                "padding": 6,
            },
        )

    def _number(self):
        """Number the receipts, last thing before the transaction ends: the sequence's row
        stays locked until then, so concurrent cashiers wait for each other only that long."""
        for company, receipts in self.grouped("company_id").items():
            receipts = receipts.sorted("id")
            names = self._get_sequence(company)._fee_next_for_dates(
                receipts.mapped("date")
            )
            for receipt, name in zip(receipts, names, strict=True):
                receipt.name = name
        self.flush_recordset(["name"])

    @api.model
    def _prepare_line_vals_list(self, payment_lines):
        """What the payment paid, invoice by invoice, with the services and periods each
        invoice billed (and its late fees): the receipt keeps it as printed, in the
        subscriber's language (the invoices' lines are written in it)."""
        vals_list = []
        for partial in payment_lines.matched_debit_ids:
            invoice = partial.debit_move_id.move_id
            if invoice.fee_recovered_write_off_id:
                partner_env = self.with_context(lang=invoice.partner_id.lang).env
                description = partner_env._(
                    "Bad debt recovered (%(name)s)",
                    name=invoice.fee_recovered_write_off_id.name,
                )
            else:
                description = "\n".join(
                    invoice.invoice_line_ids.filtered("name").mapped("name")
                )
            vals_list.append(
                {
                    "move_id": invoice.id,
                    "amount": partial.amount,
                    "description": description or invoice.name,
                }
            )
        return vals_list

    def _log_on_invoices(self):
        """One note on each invoice a receipt paid, in the company's language, all in
        one insert."""
        bodies = {}
        for line in self.line_ids:
            env = line.receipt_id.company_id._fee_get_lang_env()
            bodies[line.move_id.id] = Markup("<p>%s</p>") % env._(
                "%(amount)s paid by receipt %(receipt)s (%(user)s).",
                amount=format_amount(env, line.amount, line.currency_id),
                receipt=line.receipt_id.name,
                user=line.receipt_id.user_id.name,
            )
        if bodies:
            self.env["account.move"].sudo().browse(bodies)._message_log_batch(
                bodies=bodies
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_print(self):
        """The receipt as first printed, on the 80 mm roll or an A5 page; later prints
        are reprints, logged with a reason."""
        self.ensure_one()
        if self.print_count:
            return self.action_open_reprint()
        self.sudo().print_count = 1
        return self._get_report_action()

    def action_open_reprint(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reprint Receipt"),
            "res_model": "fee.receipt.reprint",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_receipt_id": self.id,
                "fee_receipt_layout": self.env.context.get("fee_receipt_layout"),
            },
        }

    def action_open_void(self):
        self.ensure_one()
        self._check_voidable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Void Receipt"),
            "res_model": "fee.receipt.void",
            "view_mode": "form",
            "target": "new",
            "context": {"default_receipt_id": self.id},
        }

    def action_void(self, reason):
        """Void (作废) receipts: their payments are reversed through accounting, so that
        the invoices they paid are open again (and take the subscriber's credit, if it
        has some); the receipts keep their numbers. The cashier who took the money voids
        the same day; later, only a manager. The money is given back from the receipt's
        session while it is open, else from the open session of whoever voids it: a
        session handed over never changes."""
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for voiding the receipt."))
        self._check_voidable()
        void_sessions = {receipt: receipt._get_void_session() for receipt in self}
        now = fields.Datetime.now()
        self._lock_open_items(self.partner_id)
        self.env["fee.cash.session"].union(*void_sessions.values())._lock_for_receipts()
        with self.env["fee.dunning.reaction"]._judge_once():
            for receipt in self:
                with self._fee_unsealed(receipt.payment_id):
                    receipt.sudo()._reverse_payment()
                receipt.sudo().write(
                    {
                        "state": "voided",
                        "void_reason": reason,
                        "voided_by_id": self.env.uid,
                        "void_date": now,
                        "void_session_id": void_sessions[receipt].id,
                    }
                )
            for company, receipts in self.grouped("company_id").items():
                for partner in receipts.partner_id:
                    self.sudo()._apply_credit(partner, company)
        self.env["fee.anomaly"].sudo()._report_voids(self)
        return True

    def _get_void_session(self):
        """The open session the money of this receipt is given back from, if it was
        taken in one."""
        self.ensure_one()
        session = self.cash_session_id.sudo()
        if not session or session.state == "open":
            return session
        Session = self.env["fee.cash.session"].sudo()
        own = Session.search(
            [
                ("user_id", "=", self.env.uid),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "open"),
                ("line_ids.journal_id", "=", self.journal_id.id),
            ],
            limit=1,
        )
        if not own:
            raise UserError(
                self.env._(
                    "Session %(session)s of receipt %(receipt)s is handed over: the money "
                    "is given back from your own open session, which must take "
                    "%(journal)s. Open one first.",
                    session=session.name,
                    receipt=self.name,
                    journal=self.journal_id.name,
                )
            )
        return own

    @api.model
    def _apply_credit(self, partner, company):
        """Settle the subscriber's open debts with its unapplied credit, oldest first
        (after a void, a payment taken meanwhile pays the invoices it reopened)."""
        lines = self._get_open_receivable_lines(partner, company)
        for _account, account_lines in lines.grouped("account_id").items():
            if account_lines.filtered(
                lambda line: line.amount_residual < 0
            ) and account_lines.filtered(lambda line: line.amount_residual > 0):
                account_lines.reconcile()

    def _check_voidable(self):
        self.check_access("read")
        today = fields.Date.context_today(self)
        is_manager = self.env.user.has_group(MANAGER)
        for receipt in self:
            if receipt.state == "voided":
                raise UserError(
                    self.env._(
                        "Receipt %(receipt)s is already voided.", receipt=receipt.name
                    )
                )
            own_today = receipt.user_id == self.env.user and receipt.date == today
            if not (is_manager or own_today):
                raise UserError(
                    self.env._(
                        "Receipt %(receipt)s can be voided by the one who took it, the "
                        "same day; later, only by a fee collection manager.",
                        receipt=receipt.name,
                    )
                )
            payment_lines = receipt.sudo().payment_id.move_id.line_ids
            liquidity = payment_lines.filtered(
                lambda line: (
                    line.account_id.reconcile
                    and line.account_type in ("asset_cash", "asset_current")
                )
            )
            if liquidity.matched_debit_ids or liquidity.matched_credit_ids:
                raise UserError(
                    self.env._(
                        "Receipt %(receipt)s cannot be voided: its payment is reconciled "
                        "with a bank statement. Undo that reconciliation first.",
                        receipt=receipt.name,
                    )
                )

    def _reverse_payment(self):
        """Unreconcile the payment from the invoices it paid and reverse its entry, and
        the recoveries of written-off debts it paid."""
        self.ensure_one()
        move = self.payment_id.move_id
        receivable_lines = move.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        # What the payment recovered of a written-off debt is no longer recovered.
        recoveries = receivable_lines.matched_debit_ids.debit_move_id.move_id.filtered(
            "fee_recovered_write_off_id"
        )
        receivable_lines.remove_move_reconcile()
        label = self.company_id._fee_get_lang_env()._(
            "Void of receipt %(receipt)s", receipt=self.name
        )
        recoveries._fee_cancel_recoveries(label)
        reversal = move._reverse_moves(
            [{"date": fields.Date.context_today(self), "ref": label}],
            cancel=True,
        )
        return reversal

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _get_report_action(self):
        layout = self.env.context.get("fee_receipt_layout")
        return self.env.ref(
            RECEIPT_REPORTS.get(layout, RECEIPT_REPORTS["roll"])
        ).report_action(self)

    @api.model
    def _get_open_receivable_lines(self, partner, company, invoices=None):
        """The subscribers' open receivable items, oldest due first: their unapplied credit
        and what it owes (on ``invoices`` only, when given). Locked against a concurrent
        payment: a second cashier paying the same invoice waits, then finds it paid
        (Odoo retries the request on the serialization failure this raises)."""
        domain = [
            *self.env["fee.overdue"]._open_items_domain(partner, company),
            ("amount_residual", "!=", 0),
        ]
        if invoices is not None:
            domain += [
                "|",
                ("amount_residual", "<", 0),
                ("move_id", "in", invoices.ids),
            ]
        lines = self.env["account.move.line"].sudo().search(domain)
        if lines:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM account_move_line WHERE id = ANY(%s) FOR UPDATE",
                    lines.ids,
                )
            )
        return lines.sorted(lambda line: (line.date_maturity or line.date, line.id))

    # ------------------------------------------------------------------
    # The seal: the money under a posted receipt changes only by its void
    # ------------------------------------------------------------------

    @api.model
    @contextmanager
    def _fee_unsealed(self, payments):
        """Within this block, the receipts' own workflow may change ``payments`` (their
        entries, their reconciliations), which are otherwise sealed."""
        data = self.env.cr.precommit.data
        previous = data.get(UNSEALED_KEY, frozenset())
        data[UNSEALED_KEY] = previous | set(payments.ids)
        try:
            yield
        finally:
            data[UNSEALED_KEY] = previous

    @api.model
    @contextmanager
    def _fee_creating_payments(self):
        """Within this block the collection creates and posts its new payments: none is
        a receipt's yet, so their many writes need not look for one."""
        data = self.env.cr.precommit.data
        previous = data.get(CREATING_KEY, False)
        data[CREATING_KEY] = True
        try:
            yield
        finally:
            data[CREATING_KEY] = previous

    @api.model
    def _fee_check_sealed(self, payments):
        """Refuse to change ``payments`` when they are the money of posted receipts, for
        everyone, accountants and administrators included: a receipt's payment and what it
        paid change only through the receipt's void, which reverses them."""
        data = self.env.cr.precommit.data
        if data.get(CREATING_KEY):
            return
        payments -= payments.browse(data.get(UNSEALED_KEY, ()))
        if not payments:
            return
        receipt = self.sudo().search(
            [("payment_id", "in", payments.ids), ("state", "=", "posted")], limit=1
        )
        if receipt:
            raise UserError(
                self.env._(
                    "%(payment)s is the payment of receipt %(receipt)s: it changes only "
                    "by voiding the receipt.",
                    payment=receipt.payment_id.sudo().display_name,
                    receipt=receipt.name,
                )
            )


class FeeReceiptLine(models.Model):
    _name = "fee.receipt.line"
    _description = "Receipt Line"
    _order = "receipt_id, id"

    receipt_id = fields.Many2one(
        "fee.receipt", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="receipt_id.company_id", store=True)
    currency_id = fields.Many2one(related="receipt_id.currency_id")
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    description = fields.Text(help="The services and periods, or late fees, billed.")
    amount = fields.Monetary(string="Paid")
