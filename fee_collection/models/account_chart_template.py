from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        result = super()._post_load_data(template_code, company, template_data)
        # A company that gets its chart of accounts after the add-on gets its bad-debt
        # and agent accounts with it.
        company = company or self.env.company
        company._fee_setup_write_off_accounts()
        company._fee_setup_agent_accounts()
        return result
