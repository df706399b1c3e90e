/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * An accountant opens the cash sessions: those in progress and those handed over and
 * waiting for validation are listed, not those validated; a collector's round says so;
 * a session handed over short shows the same difference in its header and its line.
 * The sessions are made by test_cash_session.py.
 */
registry.category("web_tour.tours").add("fee_cash_sessions_tour", {
    url: "/odoo/action-fee_collection.fee_cash_session_action",
    steps: () => [
        {
            content: "the cashier's shift handed over is listed, waiting for validation",
            trigger: ".o_list_view .o_data_row:contains(Fee Cashier):contains(Handed Over)",
        },
        {
            content: "the collector's round is listed as one",
            trigger:
                ".o_list_view .o_data_row:contains(In Progress) .o_data_cell[name=session_type]:contains(Collector)",
        },
        {
            content: "the sessions validated are not",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Validated)))",
        },
        {
            content: "open the shift handed over",
            trigger: ".o_list_view .o_data_row:contains(Handed Over) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "its cash is 5.00 short",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=difference]:contains(-5.00)",
        },
        {
            content: "and so is the session",
            trigger: ".o_form_view .o_group .o_field_widget[name=difference]:contains(-5.00)",
        },
    ],
});
