"""What agent outlets hold of the company's money, as the books say it: one statement
for the outlets' credit control and their channel figures."""

from odoo.tools import SQL

# (company_id, agent_id, amount) rows whose sum per outlet is what it holds: on its
# company's agent clearing account, the payments of its receipts that no posted
# settlement took and the reversals of those voided after their settlement was posted
# and not taken back yet (a posted settlement's entry cancels the rest exactly); on its
# receivable, what its settlements ask it to remit and is still open. Only the current
# period's rows are read, whatever the outlet's history.
AGENT_HELD_AMOUNTS = SQL(
    """
    SELECT receipt.company_id, receipt.agent_id, line.balance AS amount
      FROM fee_receipt receipt
      LEFT JOIN fee_agent_settlement settled ON settled.id = receipt.settlement_id
      LEFT JOIN fee_agent_settlement adjusted
        ON adjusted.id = receipt.adjustment_settlement_id
      JOIN account_payment payment ON payment.id = receipt.payment_id
      JOIN account_move move
        ON (receipt.state = 'posted' AND move.id = payment.move_id)
        OR (receipt.state = 'voided' AND move.reversed_entry_id = payment.move_id)
      JOIN res_company company ON company.id = receipt.company_id
      JOIN account_move_line line
        ON line.move_id = move.id
       AND line.account_id = company.fee_agent_clearing_account_id
       AND line.parent_state = 'posted'
     WHERE receipt.agent_id IS NOT NULL
       AND ((receipt.state = 'posted'
             AND (settled.id IS NULL OR settled.state IN ('draft', 'submitted')))
            OR (receipt.state = 'voided'
                AND settled.state IN ('posted', 'paid')
                AND (adjusted.id IS NULL
                     OR adjusted.state NOT IN ('posted', 'paid'))))
    UNION ALL
    SELECT line.company_id, line.partner_id, line.amount_residual
      FROM account_move_line line
      JOIN res_partner agent ON agent.id = line.partner_id
      JOIN account_account account ON account.id = line.account_id
     WHERE agent.is_fee_agent
       AND account.account_type = 'asset_receivable'
       AND line.parent_state = 'posted'
       AND NOT line.reconciled
    """
)
