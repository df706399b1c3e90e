from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        result = super()._post_load_data(template_code, company, template_data)
        # A company that gets its chart of accounts after the add-on gets its bad-debt
        # accounts with it.
        (company or self.env.company)._fee_setup_write_off_accounts()
        return result
