from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class FeePortal(CustomerPortal):
    """What the subscribers' and the outlets' portal pages share: lists of documents
    searched with the user's rights, and a document opened as the system once the user
    may read it."""

    def _fee_prepare_list_values(
        self, model, domain, page, *, url, page_name, records_name
    ):
        """The values of a list page of the user's documents: the records of
        ``model`` in ``domain`` on ``page``, read with the user's rights, under
        ``records_name`` as the system (for the names they show), and the pager."""
        Model = request.env[model]
        pager = portal_pager(
            url=url,
            total=Model.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        records = Model.search(
            domain, limit=self._items_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {"page_name": page_name, records_name: records.sudo(), "pager": pager}
        )
        return values

    def _fee_get_document(self, model, document_id, access_token):
        """The document as the system once the user may read it (their own, their
        outlet's, or opened with its token); an empty recordset otherwise."""
        try:
            return self._document_check_access(model, document_id, access_token)
        except (AccessError, MissingError):
            return request.env[model].browse()
