from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_amount

from ..tools.groups import MANAGER


class FeeAnomaly(models.Model):
    """An abnormal transaction (异常交易) for the managers to review: a likely duplicate
    payment, a voided receipt, a cash difference above the company's threshold. Each one
    gives the managers an activity. Descriptions are written in the company's language,
    whoever's work raised them."""

    _name = "fee.anomaly"
    _description = "Abnormal Transaction"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    anomaly_type = fields.Selection(
        [
            ("duplicate", "Likely Duplicate Payment"),
            ("void", "Voided Receipt"),
            ("cash_difference", "Cash Difference"),
        ],
        string="Type",
        required=True,
        readonly=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    receipt_id = fields.Many2one("fee.receipt", readonly=True, index="btree_not_null")
    other_receipt_id = fields.Many2one(
        "fee.receipt", string="Earlier Receipt", readonly=True
    )
    session_id = fields.Many2one(
        "fee.cash.session", readonly=True, index="btree_not_null"
    )
    partner_id = fields.Many2one("res.partner", string="Subscriber", readonly=True)
    user_id = fields.Many2one("res.users", string="Cashier", readonly=True)
    amount = fields.Monetary(readonly=True)
    description = fields.Char(readonly=True)
    state = fields.Selection(
        [("new", "To Review"), ("reviewed", "Reviewed")],
        required=True,
        default="new",
        tracking=True,
        index=True,
    )
    review_note = fields.Text(tracking=True)

    def action_reviewed(self):
        self.check_access("write")
        self.write({"state": "reviewed"})
        for company, anomalies in self.grouped("company_id").items():
            anomalies.activity_ids.action_feedback(
                feedback=company._fee_get_lang_env()._(
                    "Reviewed by %(user)s", user=self.env.user.name
                )
            )
        return True

    # ------------------------------------------------------------------
    # Detection (system steps of the receipts and sessions)
    # ------------------------------------------------------------------

    @api.model
    def _check_duplicate_receipts(self, receipts):
        """A receipt of the same subscriber, amount and day as another taken within the
        company's window is likely a duplicate charge."""
        receipts = receipts.filtered("company_id.fee_duplicate_window_minutes")
        if not receipts:
            return self.browse()
        windows = {
            receipt: timedelta(minutes=receipt.company_id.fee_duplicate_window_minutes)
            for receipt in receipts
        }
        # The candidates of every receipt in one read: same subscribers and days.
        candidates = (
            self.env["fee.receipt"]
            .search(
                [
                    ("company_id", "in", receipts.company_id.ids),
                    ("partner_id", "in", receipts.partner_id.ids),
                    ("state", "=", "posted"),
                    ("date", "in", list(set(receipts.mapped("date")))),
                    (
                        "create_date",
                        ">=",
                        min(
                            receipt.create_date - windows[receipt]
                            for receipt in receipts
                        ),
                    ),
                ],
                order="id desc",
            )
            .grouped(lambda other: (other.partner_id, other.date))
        )
        vals_list = []
        for receipt in receipts:
            earlier = next(
                (
                    other
                    for other in candidates.get((receipt.partner_id, receipt.date), ())
                    if other != receipt
                    and other.company_id == receipt.company_id
                    and other.amount == receipt.amount
                    and other.create_date >= receipt.create_date - windows[receipt]
                    and (other.create_date, other.id)
                    < (receipt.create_date, receipt.id)
                ),
                None,
            )
            if earlier:
                env = receipt.company_id._fee_get_lang_env()
                vals_list.append(
                    {
                        **self._receipt_vals(receipt, "duplicate"),
                        "other_receipt_id": earlier.id,
                        "description": env._(
                            "%(amount)s received twice from %(partner)s within %(minutes)s "
                            "minutes (%(earlier)s, then %(receipt)s).",
                            amount=format_amount(
                                env, receipt.amount, receipt.currency_id
                            ),
                            partner=receipt.partner_id.display_name,
                            minutes=receipt.company_id.fee_duplicate_window_minutes,
                            earlier=earlier.name,
                            receipt=receipt.name or "/",
                        ),
                    }
                )
        return self._raise_alerts(vals_list)

    @api.model
    def _report_voids(self, receipts):
        vals_list = []
        for receipt in receipts:
            env = receipt.company_id._fee_get_lang_env()
            vals_list.append(
                {
                    **self._receipt_vals(receipt, "void"),
                    "description": env._(
                        "Receipt %(receipt)s of %(amount)s voided by %(user)s: %(reason)s",
                        receipt=receipt.name,
                        amount=format_amount(env, receipt.amount, receipt.currency_id),
                        user=receipt.voided_by_id.name,
                        reason=receipt.void_reason,
                    ),
                }
            )
        return self._raise_alerts(vals_list)

    @api.model
    def _check_cash_differences(self, session_lines):
        """A payment method of a validated session whose difference exceeds the
        company's threshold: each method on its own, a shortage in one is not hidden by
        a surplus in another."""
        vals_list = []
        for line in session_lines:
            session = line.session_id
            threshold = session.company_id.fee_cash_difference_threshold
            if abs(line.difference) > threshold:
                env = session.company_id._fee_get_lang_env()
                vals_list.append(
                    {
                        "anomaly_type": "cash_difference",
                        "company_id": session.company_id.id,
                        "session_id": session.id,
                        "user_id": session.user_id.id,
                        "amount": line.difference,
                        "description": env._(
                            "Session %(session)s of %(user)s differs by %(amount)s in "
                            "%(method)s: %(note)s",
                            session=session.name,
                            user=session.user_id.name,
                            amount=format_amount(
                                env, line.difference, session.currency_id
                            ),
                            method=line.journal_id.with_env(env).name,
                            note=session.difference_note or "-",
                        ),
                    }
                )
        return self._raise_alerts(vals_list)

    @api.model
    def _receipt_vals(self, receipt, anomaly_type):
        return {
            "anomaly_type": anomaly_type,
            "company_id": receipt.company_id.id,
            "receipt_id": receipt.id,
            "partner_id": receipt.partner_id.id,
            "user_id": receipt.user_id.id,
            "amount": receipt.amount,
        }

    @api.model
    def _raise_alerts(self, vals_list):
        """Record the anomalies and give each manager of their company an activity."""
        anomalies = self.create(vals_list)
        if not anomalies:
            return anomalies
        managers = self.env.ref(MANAGER).users.filtered(lambda user: not user.share)
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        activities = []
        for anomaly in anomalies:
            for manager in managers.filtered(
                lambda user, anomaly=anomaly: anomaly.company_id in user.company_ids
            ):
                activities.append(
                    {
                        "res_model_id": self.env["ir.model"]._get_id(self._name),
                        "res_id": anomaly.id,
                        "activity_type_id": activity_type.id,
                        "summary": anomaly.description[:100],
                        "user_id": manager.id,
                    }
                )
        self.env["mail.activity"].create(activities)
        return anomalies
