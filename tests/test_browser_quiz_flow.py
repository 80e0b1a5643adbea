"""The Quiz's flow in a real browser: after "Next question" the new question is in sight."""

from __future__ import annotations

import pytest
from test_browser_painmap import settle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [(1024, 768), (390, 844)])
def test_the_next_question_opens_in_sight(browser, app_url, size):
    """Seed 4 begins with two choice questions: answer the first, press Next (below the
    feedback); the second question's heading is inside the window."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/quiz?seed=4")
        page.get_by_role("heading", name="Question 1 of 10").wait_for(timeout=60_000)
        settle(page)
        page.locator('[data-testid="stRadio"] [role=radiogroup] label').first.click()
        page.locator(".st-key-check").get_by_role("button").click()
        next_button = page.locator(".st-key-next").get_by_role("button")
        next_button.wait_for(timeout=30_000)
        settle(page)
        next_button.click()
        page.get_by_role("heading", name="Question 2 of 10").wait_for(timeout=30_000)
        settle(page)
        page.wait_for_function(
            "name => { const h = [...document.querySelectorAll('h2')].find("
            "h => h.innerText.includes(name)); if (!h) return false;"
            " const r = h.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
            arg="Question 2 of 10",
            timeout=10_000,
        )
    finally:
        context.close()
