from odoo.tests.common import ChromeBrowser


class PhoneTourMixin:
    """For an ``HttpCase``: run its tours in a phone's viewport."""

    def _emulate_phone(self, width, height):
        """Give the page a phone's viewport. Headless Chromium keeps its window at least
        500 pixels wide whatever ``browser_size`` asks for, so the device metrics are set
        through the DevTools protocol before the page loads (a test-only patch of the
        test browser). Returns the viewport widths the loaded pages had."""
        navigate_to = ChromeBrowser.navigate_to
        wait_ready = ChromeBrowser._wait_ready
        widths = []

        def navigate_as_phone(browser, url, wait_stop=False):
            browser._websocket_request(
                "Emulation.setDeviceMetricsOverride",
                params={
                    "width": width,
                    "height": height,
                    "deviceScaleFactor": 2,
                    "mobile": True,
                },
            )
            return navigate_to(browser, url, wait_stop=wait_stop)

        def wait_ready_and_measure(browser, ready_code=None, timeout=60):
            ready = wait_ready(browser, ready_code, timeout=timeout)
            evaluated = browser._websocket_request(
                "Runtime.evaluate",
                params={"expression": "window.innerWidth", "returnByValue": True},
            )
            widths.append(evaluated["result"]["value"])
            return ready

        self.patch(ChromeBrowser, "navigate_to", navigate_as_phone)
        self.patch(ChromeBrowser, "_wait_ready", wait_ready_and_measure)
        return widths
