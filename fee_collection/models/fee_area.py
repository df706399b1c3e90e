from odoo import api, fields, models
from odoo.exceptions import ValidationError


class FeeArea(models.Model):
    """Service area: a branch (分局, top level) and its grids (网格) below it."""

    _name = "fee.area"
    _description = "Service Area"
    _parent_store = True
    _rec_name = "complete_name"
    _order = "complete_name"
    _check_company_auto = True

    # Identity
    name = fields.Char(required=True)
    code = fields.Char(required=True)
    complete_name = fields.Char(
        compute="_compute_complete_name", recursive=True, store=True
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )

    # Tree
    parent_id = fields.Many2one(
        "fee.area",
        string="Branch / Parent Area",
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("fee.area", "parent_id", string="Sub-areas")
    branch_id = fields.Many2one(
        "fee.area",
        compute="_compute_branch_id",
        store=True,
        recursive=True,
        help="Top-level area (branch) this area belongs to.",
    )

    # People
    collector_ids = fields.Many2many(
        "res.users",
        string="Collectors",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "The area code must be unique per company.",
        ),
    ]

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for area in self:
            if area.parent_id:
                area.complete_name = f"{area.parent_id.complete_name} / {area.name}"
            else:
                area.complete_name = area.name

    @api.depends("parent_id.branch_id")
    def _compute_branch_id(self):
        for area in self:
            area.branch_id = area.parent_id.branch_id if area.parent_id else area

    @api.constrains("parent_id")
    def _check_parent_id(self):
        if self._has_cycle():
            raise ValidationError(self.env._("An area cannot be its own parent."))
