"""What a page must not hold for the Content-Security-Policy to be satisfied without 'unsafe-inline'
scripts: an inline <script>, an on*="" handler attribute, a javascript: URL, a <style> element."""

from __future__ import annotations

from html.parser import HTMLParser

# Script types a browser does not execute (data blocks): allowed inline.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._inline_script_line: int | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        line = self.getpos()[0]
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"line {line}: <{tag} {name}=…> handler attribute")
            if name in URL_ATTRIBUTES and value.strip().lower().replace("\n", "").startswith("javascript:"):
                self.problems.append(f"line {line}: <{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        if tag == "script":
            given = dict(attrs)
            if "src" not in given and given.get("type", "").lower() not in DATA_SCRIPT_TYPES:
                self._inline_script_line = line
                self._script_text = []

    def handle_data(self, data):
        if self._inline_script_line is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._inline_script_line is not None:
            body = "".join(self._script_text).strip()
            if body:
                self.problems.append(f"line {self._inline_script_line}: inline <script> {body[:60]!r}")
            self._inline_script_line = None


def inline_code(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems
