from . import models, report, tools, wizard


def _post_init_hook(env):
    """Companies that already have a chart of accounts get their counter's payment
    methods (cash, bank transfer, bank card, WeChat Pay, Alipay) at once."""
    for company in env["res.company"].search([("chart_template", "!=", False)]):
        company._fee_get_payment_journals()
