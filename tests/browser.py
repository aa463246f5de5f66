"""A real headless Chromium for page tests: Debian's `chromium` driven by Playwright (`executable_path`).

Where Chromium or Playwright is missing the tests skip saying so -- unless HIREBRIDGE_REQUIRE_BROWSER=1
(set by .ci/run, which installs Chromium), which turns that into a failure. Screenshots go to
build/screenshots/ (not committed) for a reviewer to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("HIREBRIDGE_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("HIREBRIDGE_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


def _problem() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (make install installs it)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    problem = _problem()
    if problem is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"{problem}; HIREBRIDGE_REQUIRE_BROWSER=1 requires it")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
