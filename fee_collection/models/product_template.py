from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    is_fee_item = fields.Boolean(
        string="Fee Item",
        help="A periodically billed service (cable TV, broadband, property fee ...).",
    )
    fee_bill_when_suspended = fields.Boolean(
        string="Bill While Suspended",
        help="Keep billing a subscriber's service of this item while it is suspended "
        "(e.g. a line rental that is due regardless of service).",
    )
