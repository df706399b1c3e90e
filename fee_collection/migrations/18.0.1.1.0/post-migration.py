"""The money sealed: cashiers lose the Billing rights the cashier group used to imply,
and every subscriber belongs to a company."""


def migrate(cr, version):
    # Billing rights came to cashiers with their group: taken back from those who are
    # not fee collection accountants (who imply them now).
    cr.execute("""
        DELETE FROM res_groups_users_rel rel
         USING ir_model_data billing, ir_model_data cashier
         WHERE billing.module = 'account' AND billing.name = 'group_account_invoice'
           AND cashier.module = 'fee_collection' AND cashier.name = 'group_fee_cashier'
           AND rel.gid = billing.res_id
           AND rel.uid IN (SELECT uid FROM res_groups_users_rel WHERE gid = cashier.res_id)
           AND rel.uid NOT IN (
               SELECT rel2.uid
                 FROM res_groups_users_rel rel2
                 JOIN ir_model_data accountant ON accountant.res_id = rel2.gid
                WHERE accountant.module = 'fee_collection'
                  AND accountant.name = 'group_fee_accountant')
    """)
    # A subscriber's money is taken in its company only: those without one get the
    # company of their receivables, else the first company.
    cr.execute("""
        UPDATE res_partner partner
           SET company_id = COALESCE(
                   (SELECT line.company_id
                      FROM account_move_line line
                     WHERE line.partner_id = partner.id
                     ORDER BY line.id
                     LIMIT 1),
                   (SELECT id FROM res_company ORDER BY id LIMIT 1))
         WHERE partner.is_subscriber AND partner.company_id IS NULL
    """)
