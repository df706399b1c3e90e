"""Agent outlets: companies with a chart of accounts get the agent clearing and
commission accounts and the agent collections journal."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.company"].search([])._fee_setup_agent_accounts()
