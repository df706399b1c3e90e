from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..tools import check_protected_fields, check_separation
from ..tools.groups import ACCOUNTANT, CASHIER
from . import fee_state_mixin  # noqa: F401

# Set when the session is opened, closed and validated; never typed in.
WORKFLOW_FIELDS = dict.fromkeys(
    (
        "name",
        "user_id",
        "company_id",
        "session_type",
        "state",
        "opening_date",
        "closing_date",
        "validation_date",
        "validated_by_id",
    )
)


class FeeCashSession(models.Model):
    """A cashier's shift (or a collector's round): what was taken, per payment method,
    against what is counted at the handover (交接班). Modelled on the point of sale's cash
    control: one open session per person; closing records the counted amounts; an
    accountant validates, which posts any difference to the journal's profit or loss
    account."""

    _name = "fee.cash.session"
    _description = "Cash Session"
    _inherit = ["mail.thread", "mail.activity.mixin", "fee.state.mixin"]
    _order = "opening_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    user_id = fields.Many2one(
        "res.users",
        string="Cashier",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    session_type = fields.Selection(
        [("counter", "Counter"), ("field", "Collector's Round")],
        string="Type",
        required=True,
        default="counter",
        readonly=True,
    )
    state = fields.Selection(
        [
            ("open", "In Progress"),
            ("closed", "Handed Over"),
            ("validated", "Validated"),
        ],
        required=True,
        default="open",
        readonly=True,
        tracking=True,
        index=True,
    )
    opening_date = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    closing_date = fields.Datetime(readonly=True)
    validation_date = fields.Datetime(readonly=True)
    validated_by_id = fields.Many2one("res.users", readonly=True)
    opening_cash = fields.Monetary(
        help="Cash in the drawer when the shift starts (the float)."
    )
    receipt_ids = fields.One2many("fee.receipt", "cash_session_id", string="Receipts")
    void_receipt_ids = fields.One2many(
        "fee.receipt",
        "void_session_id",
        string="Voids",
        help="Receipts voided during this session: what they took is given back from it.",
    )
    receipt_count = fields.Integer(compute="_compute_totals")
    amount_total = fields.Monetary(string="Taken", compute="_compute_totals")
    line_ids = fields.One2many(
        "fee.cash.session.line", "session_id", string="Payment Methods"
    )
    difference = fields.Monetary(compute="_compute_difference", store=True)
    difference_note = fields.Text(
        string="Explanation", help="Why the counted amounts differ."
    )
    difference_move_ids = fields.Many2many(
        "account.move",
        compute="_compute_difference_move_ids",
        string="Difference Entries",
    )

    _sql_constraints = [
        (
            "opening_cash_positive",
            "CHECK(opening_cash >= 0)",
            "The opening cash cannot be negative.",
        )
    ]

    def _compute_totals(self):
        counts = dict(
            self.env["fee.receipt"]._read_group(
                [("cash_session_id", "in", self.ids), ("state", "=", "posted")],
                ["cash_session_id"],
                ["__count"],
            )
        )
        taken = self._get_taken_amounts()
        for session in self:
            session.receipt_count = counts.get(session, 0)
            session.amount_total = sum(
                amount
                for (taken_session, _journal), amount in taken.items()
                if taken_session == session
            )

    @api.depends("line_ids.difference_move_id")
    def _compute_difference_move_ids(self):
        for session in self:
            session.difference_move_ids = session.line_ids.difference_move_id

    def _get_taken_amounts(self):
        """{(session, journal): money taken} of these sessions: their receipts, less
        those voided, and less what receipts of sessions handed over before were voided
        for (given back from these sessions). A receipt voided after its session was
        handed over stays taken there: a handover never changes."""
        Receipt = self.env["fee.receipt"]
        taken = {}
        for session, journal, void_session, state, amount in Receipt._read_group(
            [("cash_session_id", "in", self.ids)],
            ["cash_session_id", "journal_id", "void_session_id", "state"],
            ["amount:sum"],
        ):
            # Voided in its own session (or before voids were noted with one).
            if state == "voided" and void_session in (session, void_session.browse()):
                continue
            taken[session, journal] = taken.get((session, journal), 0.0) + amount
        for void_session, journal, session, amount in Receipt._read_group(
            [("void_session_id", "in", self.ids), ("state", "=", "voided")],
            ["void_session_id", "journal_id", "cash_session_id"],
            ["amount:sum"],
        ):
            if session != void_session:
                key = (void_session, journal)
                taken[key] = taken.get(key, 0.0) - amount
        return taken

    @api.depends("line_ids.difference")
    def _compute_difference(self):
        """The difference of the payment methods counted so far: what the lines show."""
        for session in self:
            session.difference = sum(session.line_ids.mapped("difference"))

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        sessions = self.browse()
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
            session_type = vals.get("session_type", "counter")
            company = self.env["res.company"].browse(
                vals.get("company_id") or self.env.company.id
            )
            user = self.env["res.users"].browse(vals.get("user_id") or self.env.uid)
            if not self.env.su and user != self.env.user:
                raise UserError(self.env._("A session is opened by its own cashier."))
            if self.sudo().search_count(
                [
                    ("user_id", "=", user.id),
                    ("company_id", "=", company.id),
                    ("session_type", "=", session_type),
                    ("state", "=", "open"),
                ],
                limit=1,
            ):
                raise UserError(
                    self.env._(
                        "%(user)s already has an open session: close it first.",
                        user=user.name,
                    )
                )
            vals["name"] = (
                self.env["ir.sequence"]
                .with_company(company)
                .next_by_code("fee.cash.session")
                or "/"
            )
            session = super().create([vals])
            # A line per payment method the cashier or collector takes money in.
            journals = (
                company._fee_get_field_journals(user)
                if session.session_type == "field"
                else company._fee_get_payment_journals()
            )
            self.env["fee.cash.session.line"].sudo().create(
                [
                    {"session_id": session.id, "journal_id": journal.id}
                    for journal in journals
                ]
            )
            sessions |= session
        return sessions

    def write(self, vals):
        check_protected_fields(self, vals, WORKFLOW_FIELDS)
        if not self.env.su and vals.keys() & {"opening_cash", "line_ids"}:
            self._check_state("open")
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_close(self):
        """The cashier closes the shift with the counted amounts: cash not counted is cash
        missing, to be explained at validation."""
        self.check_access("write")
        self._lock_for_handover()
        self._check_state("open")
        # Electronic payments are checked against the bank's statements: uncounted, they
        # are taken as expected. Cash is what the cashier counted.
        for line in self.line_ids.filtered(lambda line: not line.is_counted):
            line.sudo().write(
                {
                    "counted_amount": line.expected_amount
                    if line.journal_id.type != "cash"
                    else 0.0,
                    "is_counted": True,
                }
            )
        self.sudo().write({"state": "closed", "closing_date": fields.Datetime.now()})
        return True

    def action_validate(self):
        """An accountant validates the handover: the difference of each payment method
        is posted to its journal's profit or loss account, any difference must be
        explained, and one above the company's threshold raises an alert. Whoever took
        money in a session does not validate it (unless the company is a one-person
        office, which the session then says)."""
        if not self._may_validate():
            raise UserError(
                self.env._(
                    "Cash sessions are validated by fee collection accountants; a "
                    "collector's round also by a cashier, other than the collector."
                )
            )
        self.check_access("write")
        self._lock_for_handover()
        self._check_state("closed")
        for session in self:
            session._check_not_own_money()
            session._check_difference_explained()
            for line in session.line_ids:
                line.sudo().difference_move_id = line._post_difference()
            session.sudo().write(
                {
                    "state": "validated",
                    "validation_date": fields.Datetime.now(),
                    "validated_by_id": self.env.uid,
                }
            )
        self.env["fee.anomaly"].sudo()._check_cash_differences(self.line_ids)
        return True

    def _check_difference_explained(self):
        """Every payment method that differs is explained: a shortage in cash and a
        surplus in bank of the same amount do not cancel out."""
        self.ensure_one()
        differing = self.line_ids.filtered(
            lambda line: not self.currency_id.is_zero(line.difference)
        )
        if differing and not (self.difference_note or "").strip():
            raise UserError(
                self.env._(
                    "%(session)s differs in %(methods)s: explain the difference before "
                    "validating.",
                    session=self.name,
                    methods=", ".join(
                        f"{line.journal_id.name} "
                        f"{format_amount(self.env, line.difference, self.currency_id)}"
                        for line in differing
                    ),
                )
            )

    def _check_not_own_money(self):
        """Whoever took money in the session does not validate its handover."""
        self.ensure_one()
        check_separation(
            self,
            self.user_id | self.sudo().receipt_ids.user_id,
            self.env._(
                "You took money in %(session)s: another person validates its handover.",
                session=self.name,
            ),
            self.company_id._fee_get_lang_env()._(
                "Validated by %(user)s, who took money in it (one-person office).",
                user=self.env.user.name,
            ),
        )

    def _may_validate(self):
        user = self.env.user
        if user.has_group(ACCOUNTANT):
            return True
        return user.has_group(CASHIER) and all(
            session.session_type == "field" and session.user_id != user
            for session in self
        )

    @api.model
    def action_open_shift(self):
        """The dialog that opens the user's shift, asking for the float (the cash in the
        drawer), as the point of sale's opening control does: the session is made when
        it is confirmed."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_cash_session_action_open"
        )
        action["context"] = {"default_company_id": self.env.company.id}
        return action

    def action_print_handover(self):
        return self.env.ref(
            "fee_collection.action_report_fee_cash_session"
        ).report_action(self)

    def action_view_receipts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_receipt_action"
        )
        action["domain"] = [("cash_session_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _get_for_collection(self, channel, user, company, session=None):
        """The session money goes into: ``session`` if given; at the counter, the
        cashier's open one; in the field, the collector's open round, opened on its first
        receipt. Other channels need none (but may name one)."""
        if not session and channel == "field":
            session = self.sudo().search(
                [
                    ("user_id", "=", user.id),
                    ("company_id", "=", company.id),
                    ("session_type", "=", "field"),
                    ("state", "=", "open"),
                ],
                limit=1,
            ) or self.sudo().create(
                {"user_id": user.id, "company_id": company.id, "session_type": "field"}
            )
        if not session and channel == "counter":
            session = self.sudo().search(
                [
                    ("user_id", "=", user.id),
                    ("company_id", "=", company.id),
                    ("session_type", "=", "counter"),
                    ("state", "=", "open"),
                ],
                limit=1,
            )
            if not session:
                raise UserError(
                    self.env._(
                        "%(user)s has no open cash session: open one before taking "
                        "payments at the counter.",
                        user=user.name,
                    )
                )
        if session and (
            session.state != "open"
            or session.user_id != user
            or session.company_id != company
        ):
            raise UserError(
                self.env._(
                    "Session %(session)s is not an open session of %(user)s.",
                    session=session.name,
                    user=user.name,
                )
            )
        session = session or self.browse()
        session._lock_for_receipts()
        return session

    def _lock_for_receipts(self):
        """Taking or giving back money in these open sessions and handing them over
        exclude each other. The row is written, not only locked: whichever commits
        second fails to serialise and Odoo runs it again on what the first did (the
        handover sees the receipt, or the receipt finds the session handed over)."""
        if self:
            self.env.cr.execute(
                SQL(
                    "UPDATE fee_cash_session SET write_date = write_date "
                    "WHERE id = ANY(%s)",
                    self.ids,
                )
            )

    def _lock_for_handover(self):
        self.env.cr.execute(
            SQL(
                "SELECT id FROM fee_cash_session WHERE id = ANY(%s) FOR UPDATE",
                self.ids,
            )
        )

    def _get_state_refusal(self, state):
        return self.env._(
            "Session %(session)s is %(state)s.", session=self.name, state=state
        )


class FeeCashSessionLine(models.Model):
    """One payment method of a session: what the receipts say, and what was counted."""

    _name = "fee.cash.session.line"
    _description = "Cash Session Payment Method"
    _order = "session_id, id"

    session_id = fields.Many2one(
        "fee.cash.session", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="session_id.company_id", store=True)
    currency_id = fields.Many2one(related="session_id.currency_id")
    journal_id = fields.Many2one(
        "account.journal", string="Payment Method", required=True, readonly=True
    )
    expected_amount = fields.Monetary(
        string="Expected",
        compute="_compute_expected_amount",
        store=True,
        help="The receipts taken in this method (and the opening cash, for cash).",
    )
    counted_amount = fields.Monetary(string="Counted")
    is_counted = fields.Boolean(
        compute="_compute_is_counted",
        store=True,
        readonly=False,
        default=False,
        help="An amount was typed in Counted (zero included): until then the method "
        "shows no difference.",
    )
    difference = fields.Monetary(compute="_compute_difference", store=True)
    difference_move_id = fields.Many2one(
        "account.move", string="Difference Entry", readonly=True
    )

    @api.depends(
        "session_id.receipt_ids.amount",
        "session_id.receipt_ids.state",
        "session_id.receipt_ids.void_session_id",
        "session_id.void_receipt_ids.state",
        "session_id.opening_cash",
    )
    def _compute_expected_amount(self):
        totals = self.session_id._get_taken_amounts()
        for line in self:
            expected = totals.get((line.session_id, line.journal_id), 0.0)
            if line.journal_id.type == "cash":
                expected += line.session_id.opening_cash
            line.expected_amount = expected

    @api.depends("counted_amount")
    def _compute_is_counted(self):
        # Lines are made uncounted (the default); typing an amount counts them.
        self.is_counted = True

    def write(self, vals):
        check_protected_fields(
            self, vals, dict.fromkeys(vals.keys() - {"counted_amount", "is_counted"})
        )
        if not self.env.su:
            self.session_id._check_state("open")
        return super().write(vals)

    @api.depends("expected_amount", "counted_amount", "is_counted")
    def _compute_difference(self):
        for line in self:
            line.difference = (
                line.counted_amount - line.expected_amount if line.is_counted else 0.0
            )

    def _post_difference(self):
        """The entry of this payment method's difference, against its journal's profit
        (surplus) or loss (shortage) account; none without a difference."""
        self.ensure_one()
        session = self.session_id
        if session.currency_id.is_zero(self.difference):
            return self.env["account.move"]
        journal = self.journal_id
        account = (
            journal.profit_account_id
            if self.difference > 0
            else journal.loss_account_id
        )
        if not account or not journal.default_account_id:
            raise UserError(
                self.env._(
                    "Set the profit and loss accounts of %(journal)s to post the "
                    "difference of %(session)s.",
                    journal=journal.display_name,
                    session=session.name,
                )
            )
        label = session.company_id._fee_get_lang_env()._(
            "Cash difference of %(session)s (%(user)s)",
            session=session.name,
            user=session.user_id.name,
        )
        move = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": fields.Date.context_today(self),
                    "ref": label,
                    "line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "account_id": journal.default_account_id.id,
                                "balance": self.difference,
                            }
                        ),
                        Command.create(
                            {
                                "name": label,
                                "account_id": account.id,
                                "balance": -self.difference,
                            }
                        ),
                    ],
                }
            )
        )
        move.action_post()
        return move
