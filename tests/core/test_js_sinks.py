"""
Our scripts put data into the page as text, never as HTML.

Residents write the titles, addresses and names that maps and lists show; a
string handed to an HTML sink (innerHTML, Leaflet's tooltips, popups and
divIcons) runs whatever markup it holds. These checks read every script and
template of ours, so a new module is held to the same rule without being named.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "hromada"
SCRIPTS = sorted(
    path for path in ROOT.glob("*/static/**/*.js") if "vendor" not in path.relative_to(ROOT).parts
)
TEMPLATES = sorted(ROOT.glob("*/templates/**/*.html"))

# Sinks that parse a string as HTML, whatever the string is.
HTML_SINKS = re.compile(
    r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write(?:ln)?|createContextualFragment"
    r"|parseFromString)\b"
)
# Leaflet sets a string as HTML and appends a node as it is.
LEAFLET_CONTENT = re.compile(
    r"\.(bindTooltip|bindPopup|setContent|setTooltipContent|setPopupContent)\s*\("
)
DIV_ICON_HTML = re.compile(r"\bhtml\s*:")
# A variable or a function's result: the node our helpers build. A property
# (`p.title`), a literal or a concatenation is a string.
NODE = re.compile(r"^[A-Za-z_$][\w$]*(\(.*\))?$", re.DOTALL)


def _code(text: str) -> str:
    """Return the script without comments, so prose about sinks is no finding."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"(?m)^\s*//.*$", "", text)


def _argument(text: str, start: int) -> str:
    """Return the expression from `start` to the first top-level `,`, `)` or `}`."""
    depth, quote = 0, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char in ",)}" and not depth:
            return text[start:index].strip()
    return text[start:].strip()


def findings(text: str) -> list[str]:
    """Return the HTML sinks a script feeds, each as the code that feeds it."""
    code = _code(text)
    found = [match.group(0) for match in HTML_SINKS.finditer(code)]
    for pattern in (LEAFLET_CONTENT, DIV_ICON_HTML):
        for match in pattern.finditer(code):
            argument = _argument(code, match.end())
            if not NODE.match(argument):
                found.append(f"{match.group(0)} {argument}")
    return found


def test_every_script_of_ours_is_read():
    names = {path.relative_to(ROOT).as_posix() for path in SCRIPTS}
    assert "budget/static/budget/map.js" in names
    assert "appeals/static/appeals/map.js" in names
    assert not any("vendor" in name for name in names)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_script_gives_no_string_to_an_html_sink(script):
    assert findings(script.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        'list.innerHTML = "<li>" + street.name + "</li>";',
        "box.insertAdjacentHTML('beforeend', row.title);",
        "node.outerHTML = text;",
        "document.write(title);",
        "marker.bindTooltip(p.title);",
        'marker.bindPopup("<b>" + name + "</b>");',
        "marker.bindPopup(`<a>${p.title}</a>`, { maxWidth: 200 });",
        "popup.setContent(row.address);",
        'L.divIcon({ html: "<span>" + row[2] + "</span>", className: "x" });',
        "L.divIcon({ html: cluster.title });",
    ],
)
def test_string_given_to_a_sink_is_found(snippet):
    assert findings(snippet) != []


@pytest.mark.parametrize(
    "snippet",
    [
        "marker.bindTooltip(label(p.title));",
        "marker.bindPopup(popup(row), { maxWidth: 200 });",
        "marker.bindPopup(link);",
        "L.divIcon({ html: box, className: className });",
        "// innerHTML would run the markup\nspan.textContent = p.title;",
    ],
)
def test_node_given_to_leaflet_is_no_finding(snippet):
    assert findings(snippet) == []


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
UNESCAPED = re.compile(r"\|\s*safe\b|\{%\s*autoescape\s+off|\|\s*escapejs\b")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_template_hands_data_to_scripts_as_json(template):
    """Data reaches scripts through json_script or data attributes, escaped."""
    text = template.read_text(encoding="utf-8")
    assert UNESCAPED.findall(text) == []
    inline = [body for body in INLINE_SCRIPT.findall(text) if "{{" in body or "{%" in body]
    assert inline == []
