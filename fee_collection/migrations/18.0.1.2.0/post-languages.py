"""Dunning in the subscriber's language: the templates of dunning lines that name no
language (the SMS ones shipped without) take the subscriber's. The retail policy's
second level, named like the phone order type it issues, is renamed when its name is
still the one shipped."""

from odoo.tools import SQL


def migrate(cr, version):
    for table in ("sms_template", "mail_template"):
        cr.execute(
            SQL(
                """
                UPDATE %s template
                   SET lang = %s
                  FROM ir_model model
                 WHERE model.id = template.model_id
                   AND model.model = 'fee.dunning.line'
                   AND COALESCE(template.lang, '') = ''
                """,
                SQL.identifier(table),
                "{{ object.partner_id.lang }}",
            )
        )
    cr.execute(
        """
        UPDATE fee_dunning_level level
           SET name = level.name
                   || jsonb_build_object('en_US', 'Reminder call')
                   || CASE WHEN level.name->>'zh_CN' = '电话催缴'
                           THEN jsonb_build_object('zh_CN', '电话提醒')
                           ELSE '{}'::jsonb
                      END
          FROM ir_model_data data
         WHERE data.module = 'fee_collection'
           AND data.name = 'dunning_level_retail_call'
           AND data.res_id = level.id
           AND level.name->>'en_US' = 'Phone call'
        """
    )
