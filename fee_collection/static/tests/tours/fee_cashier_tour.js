/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A cashier's shift at the counter, at a desk or on a phone: open the session with its
 * float, find the subscriber among namesakes, take cash with change (Pay within reach on a
 * phone), print the receipt, go on to a fresh counter where the subscriber who has paid
 * owes nothing (a deposit would be confirmed), go to the cash sessions, count the cash
 * (the line and the header agree on the difference) and close the shift. The data
 * (subscriber Chen Jing, TV-8001, with two open invoices of 75.00 in all, and two
 * namesakes) is made by test_cashier_tour.py, which checks the records afterwards.
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

/** Chooses, among the counter's candidates (rows on a desk, cards on a phone), the one with
 * the service ``number``. */
function chooseCandidate(number) {
    const candidates = ".o_fee_counter .o_field_widget[name=candidate_line_ids]";
    return [
        {
            content: "three namesakes, each with what tells it apart",
            trigger: `${candidates}:has(:contains(TV-8001)):has(:contains(TV-8002)):has(:contains(TV-8003))`,
        },
        {
            isActive: ["desktop"],
            content: `choose the one with service ${number}`,
            trigger: `${candidates} .o_data_row:contains(${number}) .o_field_widget[name=chosen] button`,
            run: "click",
        },
        {
            isActive: ["mobile"],
            content: `choose the one with service ${number}`,
            trigger: `${candidates} .o_kanban_record:contains(${number}) .o_field_widget[name=chosen] button`,
            run: "click",
        },
    ];
}

/**
 * Throws unless ``button`` ends within the first screen and a half of the form's
 * scrolling: on a phone, Pay is reached without scrolling past the invoices.
 */
function checkWithinReach(button) {
    const scroller = button.closest(".o_content") || document.scrollingElement;
    const bottom =
        button.getBoundingClientRect().bottom -
        scroller.getBoundingClientRect().top +
        scroller.scrollTop;
    if (bottom > 1.5 * window.innerHeight) {
        throw new Error(`Pay ends ${bottom}px down a ${window.innerHeight}px screen`);
    }
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
            content: "the shift asks for the float: type the cash in the drawer",
            trigger: ".modal .o_field_widget[name=opening_cash] input",
            run: "edit 50",
        },
        {
            content: "open the shift",
            trigger: ".modal .modal-footer button:contains(Open Shift)",
            run: "click",
        },
        {
            content: "the session is open: the counter shows it",
            trigger: ".o_fee_counter:not(:has(.alert-warning)) .o_field_widget[name=session_id]",
        },
        {
            isActive: ["desktop"],
            content: "the counter is titled Counter, not New",
            trigger: ".o_control_panel .o_last_breadcrumb_item:contains(Counter):not(:contains(New))",
        },
        // Find the subscriber among namesakes.
        {
            content: "type the name in Find",
            trigger: ".o_fee_counter .o_field_widget[name=search_text] input",
            run: "edit Chen Jing && press Enter",
        },
        ...chooseCandidate("TV-8001"),
        {
            content: "the subscriber is found",
            trigger: ".o_fee_counter .o_field_widget[name=partner_id] input:value(Chen Jing)",
        },
        {
            content: "the candidates give way to the subscriber's dues",
            trigger: ".o_fee_counter:not(:has(.o_field_widget[name=candidate_line_ids]))",
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
            content: "pay: the large button under the change, within reach",
            trigger: ".o_fee_counter button[name=action_pay]:enabled",
            run(helpers) {
                checkWithinReach(this.anchor);
                return helpers.click();
            },
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
            content: "the receipt now offers a reprint only (the A5 page being a reprint too)",
            trigger:
                ".o_statusbar_buttons:has(button[name=action_open_reprint]):not(:has(button[name=action_print]:not(:contains(A5))))",
        },
        // The next subscriber, at a fresh counter.
        {
            isActive: ["mobile"],
            content: 'open the action menu to reach "Next Subscriber"',
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "next subscriber",
            trigger: "button:contains(Next Subscriber)",
            run: "click",
        },
        {
            content: "a fresh counter: nothing typed, nobody found, no way back to the paid one",
            trigger: ".o_fee_counter:not(:has(.alert-success)) .o_field_widget[name=search_text] input",
            run() {
                const partner = document.querySelector(
                    ".o_fee_counter .o_field_widget[name=partner_id] input"
                );
                if (this.anchor.value || partner.value) {
                    throw new Error(`not fresh: "${this.anchor.value}", "${partner.value}"`);
                }
                if (document.querySelector(".o_control_panel .o_back_button")) {
                    throw new Error("the breadcrumbs lead back to the paid counter");
                }
            },
        },
        {
            content: "find the subscriber who has just paid",
            trigger: ".o_fee_counter .o_field_widget[name=search_text] input",
            run: "edit TV-8001 && press Enter",
        },
        {
            content: "owing nothing, the counter offers a deposit only",
            trigger:
                ".o_fee_counter:has(.o_field_widget[name=total_due]:contains(0.00)):not(:has(button[name=action_pay])) button[name=action_pay_deposit]",
            run: "click",
        },
        {
            content: "a deposit is confirmed first: not this time",
            trigger: ".modal:contains(owes nothing) .modal-footer button:contains(Cancel)",
            run: "click",
        },
        {
            content: "nothing taken",
            trigger: ".o_fee_counter:not(:has(.alert-success)):not(:has(.modal))",
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
            content: "the session expects the float and the 75.00 taken in cash",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=expected_amount]:contains(125.00)",
        },
        {
            content: "nothing counted yet: the counted cash is empty, and no difference shows",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash):has(.o_data_cell[name=difference]:empty)",
            run() {
                const counted = this.anchor.querySelector(".o_data_cell[name=counted_amount]");
                if (counted.textContent.trim()) {
                    throw new Error(`the counted cash reads "${counted.textContent}"`);
                }
            },
        },
        {
            content: "nothing counted: no difference in the header either",
            trigger: ".o_form_view .o_group .o_field_widget[name=difference]:contains(0.00)",
        },
        {
            content: "click the counted cash",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=counted_amount]",
            run: "click",
        },
        {
            content: "type the counted cash, 5.00 short",
            trigger:
                ".o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=counted_amount] input",
            run: "edit 120 && press Enter",
        },
        {
            content: "the line is 5.00 short",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=difference]:contains(-5.00)",
        },
        {
            content: "the header says the same",
            trigger: ".o_form_view .o_group .o_field_widget[name=difference]:contains(-5.00)",
        },
        {
            content: "count again",
            trigger:
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=counted_amount]",
            run: "click",
        },
        {
            content: "type the counted cash",
            trigger:
                ".o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=counted_amount] input",
            run: "edit 125 && press Enter",
        },
        {
            content: "no difference",
            trigger: ".o_form_view .o_group .o_field_widget[name=difference]:contains(0.00)",
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
                ".o_field_widget[name=line_ids] .o_data_row:contains(Cash) .o_data_cell[name=counted_amount]:contains(125.00)",
        },
    ],
});
