from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Merging contacts rewrites every reference to them by SQL, the arrears
        analysis' facts included: their totals, kept by the subscriber's area and
        arrears reason, move with them to the contact kept. This step of the merge is
        the one that sees both sides before and after, hence its override."""
        with self.env["fee.arrears.fact"]._fee_regrouping(
            src_partners | dst_partner, after=dst_partner
        ):
            return super()._update_foreign_keys(src_partners, dst_partner)
