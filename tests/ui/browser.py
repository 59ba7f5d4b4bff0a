"""Debian's Chromium, driven headless by Playwright (never `playwright install`: its browser
download comes from a CDN this machine cannot reach). scripts/test installs the package."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium keeps trying to reach Google's services.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium "
    "(scripts/test does so when run as root)",
)


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@contextlib.asynccontextmanager
async def session(browser: Browser, base_url: str) -> AsyncIterator[tuple[BrowserContext, Page]]:
    context = await browser.new_context(base_url=base_url)
    context.set_default_timeout(30_000)
    try:
        yield context, await context.new_page()
    finally:
        await context.close()


async def log_in(page: Page, username: str, password: str) -> None:
    """Through the login form, as a person does (the first page asked for redirects there)."""
    await page.goto("/")
    assert page.url.endswith("/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/")
