from odoo import fields, models


class FeeReceipt(models.Model):
    """Receipts on the portal: their page (Odoo's portal pattern, ``portal.mixin``) for
    agent outlets and subscribers, the key of the form that took each, and their
    prints."""

    _name = "fee.receipt"
    _inherit = ["fee.receipt", "portal.mixin"]

    portal_request_key = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
        help="The key of the portal form that took this collection: the same form "
        "sent twice (a double tap, a slow network) books once.",
    )

    _sql_constraints = [
        (
            "portal_request_key_uniq",
            "unique(portal_request_key)",
            "This collection form has already been sent.",
        ),
    ]

    def _compute_access_url(self):
        """An agent's receipt opens on its outlet's portal; every other one on its
        subscriber's (``/my/fee/receipts``), where a subscriber also finds those taken
        at an outlet."""
        result = super()._compute_access_url()
        for receipt in self:
            if receipt.channel == "agent":
                receipt.access_url = f"/my/agent/receipts/{receipt.id}"
            else:
                receipt.access_url = f"/my/fee/receipts/{receipt.id}"
        return result

    def _fee_log_portal_print(self):
        """A print from the agent portal counts as one from the backend: the first is
        the receipt, later ones are reprints, logged (who, when) on the receipt."""
        self.ensure_one()
        receipt = self.sudo()
        if not receipt.print_count:
            receipt.print_count = 1
            return
        # As the system, but in the name of the user printing (the reprint's author).
        self.env["fee.receipt.reprint"].sudo().create(
            {
                "receipt_id": receipt.id,
                "reason": self.env._("Printed again from the agent portal"),
            }
        )
