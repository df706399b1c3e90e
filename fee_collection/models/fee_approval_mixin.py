from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import check_protected_fields, check_separation
from ..tools.groups import MANAGER
from . import fee_state_mixin  # noqa: F401


def _upper_first(text):
    """``text`` to begin a sentence or a title (``str.capitalize`` lowers the rest)."""
    return text[:1].upper() + text[1:]


class FeeApprovalMixin(models.AbstractModel):
    """A request that a manager approves or rejects: asked for as a draft, submitted
    (a to-do for each manager of its company), then approved, or rejected with a
    reason, by someone other than whoever asked for it, unless the company is a
    one-person office.

    What was submitted is what the manager decides on: the workflow's fields are
    written by the workflow only, and what the request asks for changes while it is a
    draft only. A model using the mixin numbers its requests, says what it checks on
    submission and what approving does, and words the refusals as its users know the
    document: what they call it, or each refusal in its own words."""

    _name = "fee.approval.mixin"
    _description = "Approval Workflow"
    _inherit = ["mail.thread", "mail.activity.mixin", "fee.state.mixin"]
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
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

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        workflow_fields = self._get_workflow_fields()
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, workflow_fields)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, self._get_workflow_fields())
        if not self.env.su and vals.keys() & self._get_request_fields():
            # What was submitted is what the manager approves.
            self._check_state("draft")
        return super().write(vals)

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def action_submit(self):
        self._check_state("draft")
        self._check_submission()
        self._set_state("submitted", requested_by_id=self.env.uid)
        self._schedule_approval_activities()
        return True

    def action_approve(self):
        self._check_approver()
        self._lock()
        self._check_state("submitted")
        self._check_not_own_request()
        self._approve()
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def action_reject(self, reason=None):
        self._check_approver()
        self._lock()
        self._check_state("submitted")
        if not (reason or "").strip():
            raise UserError(self._get_missing_rejection_reason_refusal())
        self._set_state("rejected", rejection_reason=reason)
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def action_open_reject(self):
        """The dialog asking the manager why the request is rejected."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self._get_rejection_title(),
            "res_model": "fee.approval.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_ref": f"{self._name},{self.id}"},
        }

    # ------------------------------------------------------------------
    # Steps a model overrides
    # ------------------------------------------------------------------

    def _get_workflow_fields(self):
        """The fields only the workflow writes, as ``check_protected_fields`` takes
        them: {field: None}."""
        return dict.fromkeys(
            ("name", "state", "requested_by_id", "approved_by_id", "rejection_reason")
        )

    def _get_request_fields(self):
        """What the request asks for, changed while it is a draft only."""
        return {"company_id"}

    def _get_approver_group(self):
        """The group whose members approve or reject, and get the to-do."""
        return MANAGER

    def _check_submission(self):
        """Refuse, with the reason, what cannot be submitted as it stands now."""

    def _approve(self):
        """What approving does, as a system step after the workflow's checks."""
        self._set_state("approved", approved_by_id=self.env.uid)

    # ------------------------------------------------------------------
    # The document's words, translated: a model gives what its users call
    # the request, or words each refusal itself
    # ------------------------------------------------------------------

    def _get_request_label(self):
        """What the users call the request, as inside a sentence: "refund"."""
        raise NotImplementedError

    def _get_state_refusal(self, state):
        """This request is in ``state`` (its label), which the action does not take."""
        return self.env._(
            "%(request)s %(name)s is %(state)s.",
            request=_upper_first(self._get_request_label()),
            name=self.name,
            state=state,
        )

    def _get_approver_refusal(self):
        """The user is not in the approver group."""
        return self.env._(
            "Only fee collection managers approve or reject %(request)s requests.",
            request=self._get_request_label(),
        )

    def _get_self_approval_refusal(self):
        """The user asked for this request and may not approve it."""
        return self.env._(
            "You asked for %(request)s %(name)s: another manager approves it.",
            request=self._get_request_label(),
            name=self.name,
        )

    def _get_missing_rejection_reason_refusal(self):
        """The manager rejects without a reason."""
        return self.env._(
            "Give the reason for rejecting the %(request)s.",
            request=self._get_request_label(),
        )

    def _get_approval_activity_summary(self):
        """The approvers' to-do for this request, in its company's language."""
        env = self.company_id._fee_get_lang_env()
        return env._(
            "Approve %(request)s %(name)s",
            request=self.with_env(env)._get_request_label(),
            name=self.name,
        )

    def _get_rejection_title(self):
        """The title of the rejection dialog."""
        return self.env._(
            "Reject %(request)s", request=_upper_first(self._get_request_label())
        )

    # ------------------------------------------------------------------
    # Checks and helpers
    # ------------------------------------------------------------------

    def _check_approver(self):
        if not self.env.user.has_group(self._get_approver_group()):
            raise UserError(self._get_approver_refusal())

    def _check_not_own_request(self):
        for record in self:
            check_separation(
                record,
                record.requested_by_id,
                record._get_self_approval_refusal(),
                record.company_id._fee_get_lang_env()._(
                    "Approved by %(user)s, who asked for it (one-person office).",
                    user=self.env.user.name,
                ),
            )

    def _schedule_approval_activities(self):
        """A to-do for each approver who works in the request's company."""
        approvers = self.env.ref(self._get_approver_group()).users.filtered(
            lambda user: not user.share
        )
        for record in self:
            summary = record._get_approval_activity_summary()
            for approver in approvers.filtered(
                lambda user, record=record: record.company_id in user.company_ids
            ):
                record.activity_schedule(
                    "mail.mail_activity_data_todo", summary=summary, user_id=approver.id
                )

    def _lock(self):
        """Lock the requests against a concurrent decision or a step that follows it
        (which waits, then finds them as this one left them), then read them afresh."""
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = ANY(%s) FOR UPDATE",
                SQL.identifier(self._table),
                self.ids,
            )
        )
        self.invalidate_recordset()

    def _set_state(self, state, **vals):
        """The workflow writes its fields as a system step, after its own checks."""
        self.check_access("write")
        self.sudo().write({"state": state, **vals})
