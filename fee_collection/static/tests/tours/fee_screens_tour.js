/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * What the screens show at first sight. The data is made by test_screens_tour.py.
 *
 * fee_subscriber_file_tour (desk): a subscriber's form opens on the subscriber's file,
 * its banner with each label apart from its figure; any other contact's form opens on
 * its contacts, as in Odoo.
 */
registry.category("web_tour.tours").add("fee_subscriber_file_tour", {
    steps: () => [
        {
            content: "the subscriber's form opens on the subscriber's file",
            trigger: ".o_form_view .o_notebook .nav-link.active:contains(Subscriber File)",
        },
        {
            content: "the file shows the subscriber's services",
            trigger: ".o_form_view .o_notebook .tab-pane.active .o_field_widget[name=subscription_ids]:contains(TV-0001)",
        },
        {
            content: "the banner shows what is overdue, held back and promised",
            trigger:
                ".o_form_view .o_fee_banner:contains(702.21):has(.o_field_widget[name=fee_paused_amount]):has(.o_field_widget[name=fee_promise_date])",
        },
        {
            content: "each label apart from its figure",
            trigger: ".o_form_view .o_fee_banner",
            run() {
                const text = this.anchor.innerText.replace(/\s+/g, " ");
                for (const label of ["Overdue", "Held back", "Promised by"]) {
                    if (!new RegExp(`${label} \\S`).test(text)) {
                        throw new Error(`"${label}" is stuck to its figure: ${text}`);
                    }
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("fee_contact_form_tour", {
    steps: () => [
        {
            content: "another contact's form opens on its contacts, without a subscriber file",
            trigger:
                ".o_form_view .o_notebook:not(:has(.nav-link:contains(Subscriber File))) .nav-link.active:contains(Contacts)",
        },
    ],
});

/**
 * fee_broken_promise_tour (phone): a collector's worklist marks the order whose promise
 * to pay was broken, and only that one.
 */
registry.category("web_tour.tours").add("fee_broken_promise_tour", {
    steps: () => [
        {
            content: "the order of the broken promise is marked",
            trigger: ".o_kanban_view .o_kanban_record:contains(Liu Yang) .o_fee_promise_broken:contains(Promise broken)",
        },
        {
            content: "the other order is not",
            trigger: ".o_kanban_view .o_kanban_record:contains(Sun Mei):not(:has(.o_fee_promise_broken))",
        },
    ],
});

/**
 * fee_leaderboard_phone_tour (phone): the targets as cards, and the leaderboard as this
 * week's ranked cards.
 */
registry.category("web_tour.tours").add("fee_leaderboard_phone_tour", {
    steps: () => [
        {
            content: "a target is a card with its progress",
            trigger: ".o_kanban_view .o_kanban_record:contains(Fee Collector 2):has(.o_progressbar)",
        },
        {
            content: "open the leaderboard",
            trigger: "body",
            run: "goToUrl /odoo/action-fee_collection.fee_collector_leaderboard_action",
        },
        {
            content: "show the search bar (behind its toggle on a phone)",
            trigger: ".o_kanban_view .o_control_panel button:has(.fa-search)",
            run: "click",
        },
        {
            content: "the leaderboard is this week's",
            trigger: ".o_control_panel .o_searchview_facet:contains(This Week)",
        },
        {
            content: "the week's collectors ranked, the best first",
            trigger: ".o_kanban_view .o_kanban_record:contains(Fee Collector 2)",
            run() {
                const cards = [
                    ...document.querySelectorAll(".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)"),
                ].map((card) =>
                    [".o_fee_rank", ".o_fee_collector"]
                        .map((selector) => card.querySelector(selector).innerText.trim())
                        .join(" ")
                );
                if (cards.join(", ") !== "1 Fee Collector 2, 2 Fee Collector") {
                    throw new Error(`unexpected leaderboard: ${cards.join(", ")}`);
                }
            },
        },
        {
            content: "last week's collections are not on this week's board",
            trigger: ".o_kanban_view:not(:has(.o_kanban_record:contains(90.00)))",
        },
    ],
});
