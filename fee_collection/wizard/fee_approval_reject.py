from odoo import api, fields, models


class FeeApprovalReject(models.TransientModel):
    """Asks the manager why a request of the approval workflow is rejected."""

    _name = "fee.approval.reject"
    _description = "Reject Request"

    request_ref = fields.Reference(
        selection="_selection_request_ref",
        string="Request",
        required=True,
        readonly=True,
    )
    reason = fields.Char(required=True)

    @api.model
    def _selection_request_ref(self):
        """The models of the approval workflow."""
        return [
            (name, self.env[name]._description)
            for name in self.env["fee.approval.mixin"]._inherit_children
            if not self.env[name]._abstract
        ]

    def action_confirm(self):
        self.ensure_one()
        self.request_ref.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
