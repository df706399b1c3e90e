from . import controllers, models, report, tools, wizard


def _post_init_hook(env):
    """Companies get their receipt numbering, and those with a chart of accounts their
    counter's payment methods (cash, bank transfer, bank card, WeChat Pay, Alipay), at
    once rather than on their first payment (when two cashiers could make them twice),
    and their bad-debt expense and recovery accounts, and what agents'
    collections are booked on."""
    for company in env["res.company"].search([]):
        env["fee.receipt"]._get_sequence(company)
        if company.chart_template:
            company._fee_get_payment_journals()
            company._fee_setup_write_off_accounts()
            company._fee_setup_agent_accounts()
