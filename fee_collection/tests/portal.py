class HiddenPagesMixin:
    """For an ``HttpCase``: pages the logged-in user (or a visitor) must not see."""

    def assertPagesHide(self, urls, secrets, statuses=(404,)):
        """Each page of ``urls`` answers one of ``statuses`` without following a
        redirect, and shows none of ``secrets``."""
        for url in urls:
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertIn(response.status_code, statuses)
                for secret in secrets:
                    self.assertNotIn(secret, response.text)
