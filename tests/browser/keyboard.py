"""Driving pages with the keyboard alone, the way someone who cannot use a mouse does: Tab and
Shift+Tab between controls, Enter and Space to act, arrows inside a group. Every stop on the way
must show where the focus is."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.conftest import PASSWORD

# Tab stops before giving up: more than any page's top bar and form hold.
MAX_STOPS = 80

_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    what: el.outerHTML.slice(0, 120),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < innerHeight && box.left < innerWidth,
  };
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(_FOCUS)


def assert_focus_visible(page: Page) -> None:
    """The focused element shows a focus ring (an outline or a shadow) and is on the screen."""
    focus = focused(page)
    assert focus is not None, "nothing has the focus"
    assert focus["outline"] or focus["shadow"], f"no visible focus ring on {focus['what']}"
    assert focus["onScreen"], f"the focused element is off screen: {focus['what']}"


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the element matching the selector has the focus, checking
    that each stop on the way shows its focus. No key is pressed when it has the focus already."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_STOPS):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
        if focused(page) is not None:
            assert_focus_visible(page)
    raise AssertionError(f"{selector} never got the focus in {MAX_STOPS} presses of {key}")


def keyboard_log_in(page: Page, url: str, username: str) -> None:
    """Open the site and log in with the keyboard: Tab to each field, type, Enter."""
    page.goto(url)
    tab_to(page, "input[name=username]")
    page.keyboard.type(username)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/accounts/login/" not in u)


def follow(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Tab to a link or button and press Enter, waiting for the page it leads to."""
    tab_to(page, selector, backwards=backwards)
    with page.expect_navigation():
        page.keyboard.press("Enter")
