from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import PoFileReader, TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_every_term_has_a_chinese_translation(self):
        """Every user-facing string of the module, as Odoo exports it now, is translated in
        zh_CN.po: run scripts/i18n after changing strings, then translate what it reports."""
        with open(I18N / "zh_CN.po", "rb") as po_file:
            translated = {
                entry["src"]
                for entry in PoFileReader(po_file)
                if entry["value"].strip()
            }
        terms = {
            source
            for _module, _kind, _name, _res_id, source, _value, _comments in TranslationModuleReader(
                self.env.cr, ["fee_collection"]
            )
            if source.strip()
        }
        missing = sorted(terms - translated)
        self.assertFalse(
            missing,
            f"{len(missing)} strings without a zh_CN translation: {missing[:20]}",
        )
