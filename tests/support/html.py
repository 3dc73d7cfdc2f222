"""Reading a form's state out of a rendered page, whatever the order of its attributes."""

from __future__ import annotations

from html.parser import HTMLParser


class _CheckedInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.checked: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and "checked" in found and found.get("name"):
            self.checked.setdefault(found["name"], []).append(found.get("value") or "")


def checked_values(page: str, name: str) -> list[str]:
    """The values of the radio buttons or boxes called `name` that the page shows ticked."""
    parser = _CheckedInputs()
    parser.feed(page)
    return parser.checked.get(name, [])
