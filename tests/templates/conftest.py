"""The template tests reuse the signing page's live server for the round trip signed in a real
browser. Chromium is driven from a thread of its own (see ``test_template_browser``), so it can
run in the same session as the signing page's own browser."""

from signing_page.conftest import signet_server  # noqa: F401
