"""The agent clearing account as the books say it, for the outlets' figures."""

from odoo.tools import SQL

# The posted lines of an outlet's entries on its company's agent clearing account, as
# (agent_id, company_id, balance): its receipts' payments, their reversals once voided,
# and its settlements' entries. What an outlet holds starts from their sum.
AGENT_CLEARING_LINES = SQL(
    """
    SELECT entry.agent_id, entry.company_id, line.balance
      FROM (
          SELECT receipt.agent_id, receipt.company_id, move.id AS move_id
            FROM fee_receipt receipt
            JOIN account_payment payment ON payment.id = receipt.payment_id
            JOIN account_move move
              ON move.id = payment.move_id
              OR move.reversed_entry_id = payment.move_id
           WHERE receipt.agent_id IS NOT NULL
          UNION ALL
          SELECT settlement.agent_id, settlement.company_id, settlement.move_id
            FROM fee_agent_settlement settlement
      ) entry
      JOIN res_company company ON company.id = entry.company_id
      JOIN account_move_line line ON line.move_id = entry.move_id
     WHERE line.account_id = company.fee_agent_clearing_account_id
       AND line.parent_state = 'posted'
    """
)
