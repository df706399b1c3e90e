/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A cashier's shift at the counter, at a desk or on a phone: open the session, find the
 * subscriber by service number, take cash with change, print the receipt, go to the cash
 * sessions and close the shift with the counted cash. The data (subscriber TV-8001 with
 * two open invoices of 75.00 in all) is made by test_cashier_tour.py, which checks the
 * records afterwards.
 */

/**
 * Clicks a button of the form's header. On a phone the header buttons are not shown: they
 * are items of the control panel's action (cog) menu, which is opened first.
 */
function clickHeaderButton(name, content) {
    return [
        {
            isActive: ["mobile"],
            content: `open the action menu to reach "${content}"`,
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content,
            trigger: `button[name="${name}"]:enabled`,
            run: "click",
        },
    ];
}

/** Opens a menu of the Fee Collection app: the top bar on a desk, the side menu on a phone. */
function openMenu(sectionXmlid, menuXmlid, content) {
    return [
        {
            isActive: ["desktop"],
            content: `open the section of "${content}"`,
            trigger: `.o_menu_sections button[data-menu-xmlid="${sectionXmlid}"]`,
            run: "click",
        },
        {
            isActive: ["desktop"],
            content,
            trigger: `.o-dropdown--menu .dropdown-item[data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
        {
            isActive: ["mobile"],
            content: `open the side menu to reach "${content}"`,
            trigger: ".o_main_navbar .o_menu_toggle",
            run: "click",
        },
        {
            isActive: ["mobile"],
            content,
            trigger: `.o_app_menu_sidebar li[data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("fee_cashier_tour", {
    url: "/odoo/action-fee_collection.fee_counter_payment_action",
    steps: () => [
        // The counter, without a session yet.
        {
            content: "the counter says there is no open session",
            trigger: ".o_fee_counter .alert-warning:contains(no open cash session)",
        },
        {
            content: "open my session, from the counter",
            trigger: ".o_fee_counter button[name=action_open_session]",
            run: "click",
        },
        {
            content: "the session is open: the counter shows it",
            trigger: ".o_fee_counter:not(:has(.alert-warning)) .o_field_widget[name=session_id]",
        },
        // Find the subscriber by service number.
        {
            content: "type the service number in Find",
            trigger: ".o_fee_counter .o_field_widget[name=search_text] input",
            run: "edit TV-8001 && press Enter",
        },
        {
            content: "the subscriber is found",
            trigger: ".o_fee_counter .o_field_widget[name=partner_id] input:value(Chen Jing)",
        },
        {
            content: "both open invoices are listed",
            trigger:
                ".o_fee_counter .o_field_widget[name=line_ids]:has(.o_data_row:eq(1)):not(:has(.o_data_row:eq(2)))",
        },
        {
            content: "the total due is 75.00",
            trigger: ".o_fee_counter .o_field_widget[name=total_due]:contains(75.00)",
        },
        // Take 100.00 in cash for 75.00 due.
        {
            content: "pick Cash as the payment method",
            trigger:
                ".o_fee_counter .o_field_widget[name=journal_id] .o_radio_item:contains(Cash) input",
            run: "click",
        },
        {
            content: "Cash is the chosen method",
            trigger:
                ".o_fee_counter .o_field_widget[name=journal_id] .o_radio_item:contains(Cash) input:checked",
        },
        {
            content: "the amount received is the total due",
            trigger: ".o_fee_counter .o_field_widget[name=amount] input:value(75.00)",
        },
        {
            content: "type the cash tendered",
            trigger: ".o_fee_counter .o_field_widget[name=amount_tendered] input",
            run: "edit 100 && press Enter",
        },
        {
            content: "the change to give is 25.00",
            trigger: ".o_fee_counter .o_field_widget[name=amount_change]:contains(25.00)",
        },
        {
            content: "pay: the large button under the change",
            trigger: ".o_fee_counter button[name=action_pay]:enabled",
            run: "click",
        },
        // The receipt.
        {
            content: "the receipt is posted, with the change",
            trigger:
                ".o_form_view:not(.o_fee_counter):has(.o_field_widget[name=state] .o_arrow_button_current[data-value=posted]) .o_field_widget[name=amount_change]:contains(25.00)",
        },
        {
            content: "the receipt was never printed",
            trigger: ".o_form_view .o_field_widget[name=print_count]:contains(0)",
        },
        ...clickHeaderButton("action_print", "Print"),
        {
            // The download is done and the form reloaded: the receipt counts the print.
            content: "printed once",
            trigger: ".o_form_view .o_field_widget[name=print_count]:contains(1)",
        },
        {
            isActive: ["desktop"],
            content: "the receipt now offers a reprint only",
            trigger:
                ".o_statusbar_buttons:has(button[name=action_open_reprint]):not(:has(button[name=action_print]))",
        },
        // Close the shift.
        ...openMenu(
            "fee_collection.fee_cash_office_menu",
            "fee_collection.fee_cash_session_menu",
            "Cash Sessions"
        ),
        {
            content: "open the cashier's open session",
            trigger: ".o_list_view .o_data_row:contains(Fee Cashier) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "the session expects the 75.00 taken in cash",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=expected_amount]:contains(75.00)",
        },
        {
            content: "click the counted cash",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=counted_amount]",
            run: "click",
        },
        {
            content: "type the counted cash",
            trigger:
                ".o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=counted_amount] input",
            run: "edit 75 && press Enter",
        },
        {
            content: "no difference",
            trigger: ".o_form_view .o_field_widget[name=difference]:contains(0.00)",
        },
        ...clickHeaderButton("action_close", "Close Shift"),
        {
            content: "confirm closing the shift",
            trigger: ".modal:contains(Close the shift) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "the session is closed",
            trigger:
                ".o_form_view .o_field_widget[name=state] .o_arrow_button_current[data-value=closed]",
        },
        {
            content: "the counted cash is kept",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=counted_amount]:contains(75.00)",
        },
    ],
});
