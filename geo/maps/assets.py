"""Offline assets: Leaflet and every plugin inlined into one self-contained HTML file.

The files come from the npm packages pinned in ``package.json`` / ``package-lock.json`` at the
repository root (``npm ci`` installs them into the git-ignored ``node_modules/``); none is copied
into the repository. Folium's elements name their CDN resources (``("leaflet", "https://...")``);
:func:`make_offline` walks the map's element tree, replaces each known name by the local file and
empties the element's CDN lists, so the rendered page contains no ``<script src>`` or
``<link href>``. A name with no pinned file is an error, never a silent CDN fetch, and
:func:`remote_references` re-checks the rendered HTML.

A map served by the app (the API's ``/maps/overview``, the console) is smaller: :func:`serve_from`
points the same names at the app's own copy of the same files (``/static/vendor/npm/...``,
allow-listed by :func:`served_files`), so it needs no internet either and the browser caches
the scripts. The CDN variant (:func:`cdn_resources`) is left only for the HTML file ``pantau
map`` writes without ``--offline``: a file opened from a disk has no app to load them from.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import folium
from branca.element import Element, Figure, MacroElement

from geo.errors import ConfigurationError
from geo.settings import REPO_ROOT, MapSettings

__all__ = [
    "ASSETS",
    "cdn_resources",
    "UNUSED_OFFLINE",
    "InlineAssets",
    "make_offline",
    "remote_references",
    "runtime_js",
    "serve_from",
    "served_files",
]

#: Folium/plugin resource name -> file inside ``node_modules`` (versions pinned by package.json).
ASSETS: Final[dict[str, str]] = {
    "leaflet": "leaflet/dist/leaflet.js",
    "leaflet_css": "leaflet/dist/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "leaflet-heat.js": "leaflet.heat/dist/leaflet-heat.js",
    "Control_MiniMap_js": "leaflet-minimap/dist/Control.MiniMap.min.js",
    "Control_MiniMap_css": "leaflet-minimap/dist/Control.MiniMap.min.css",
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet_measure_js": "leaflet-measure/dist/leaflet-measure.js",
    "leaflet_measure_css": "leaflet-measure/dist/leaflet-measure.css",
}

#: Where the ONLINE variant loads the same pinned files: jsDelivr serves npm packages by version.
CDN: Final[str] = "https://cdn.jsdelivr.net/npm"


@lru_cache(maxsize=1)
def _pinned_versions() -> dict[str, str]:
    data = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    versions: dict[str, str] = data["dependencies"]
    return versions


def cdn_resources(*names: str) -> list[tuple[str, str]]:
    """Return folium-style ``(name, URL)`` resources of the online variant of a map.

    Each URL is the CDN copy of the very file an offline map inlines (:data:`ASSETS`), at the
    version ``package.json`` pins, so the two variants can never load different plugins.

    Examples
    --------
    >>> cdn_resources("leaflet-heat.js")
    [('leaflet-heat.js', 'https://cdn.jsdelivr.net/npm/leaflet.heat@0.2.0/dist/leaflet-heat.js')]
    """
    resources_ = []
    for name in names:
        package, _, path = ASSETS[name].partition("/")
        resources_.append((name, f"{CDN}/{package}@{_pinned_versions()[package]}/{path}"))
    return resources_


#: Folium's default resources that our maps never use offline: jQuery, Bootstrap and the icon
#: fonts of awesome-markers (markers are circle markers and div icons, so no font is needed).
UNUSED_OFFLINE: Final[frozenset[str]] = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)

_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_REMOTE = re.compile(
    r"<script[^>]*\ssrc\s*=|<link[^>]*\shref\s*=|@import|url\(\s*['\"]?(?:https?:)?//"
    r"|tileLayer\(\s*['\"](?:https?:)?//",
    re.IGNORECASE,
)


def _asset_path(name: str, assets_dir: Path) -> Path:
    path = assets_dir / ASSETS[name]
    if not path.is_file():
        raise ConfigurationError(
            f"offline map asset {name!r} was expected at {path} but is missing; run `npm ci` at "
            "the repository root (or scripts/setup-browser), or set PANTAU_MAPS_ASSETS_DIR"
        )
    return path


def _inline_css_urls(css: str, folder: Path) -> str:
    """Replace relative ``url(...)`` in a stylesheet by data URIs of the files they name."""

    def repl(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")):
            return match.group(0)
        if "//" in target:
            raise ConfigurationError(
                f"stylesheet in {folder} references the remote resource {target!r}; "
                "an offline map must not"
            )
        file = (folder / target.split("?")[0].split("#")[0]).resolve()
        if not file.is_file():
            # A missing optional image (e.g. an IE-only sprite) would be a failed file fetch.
            return "url(data:,)"
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        data = base64.b64encode(file.read_bytes()).decode("ascii")
        return f"url(data:{mime};base64,{data})"

    return _CSS_URL.sub(repl, css)


@lru_cache(maxsize=32)
def _inline_tag(name: str, assets_dir: str) -> str:
    path = _asset_path(name, Path(assets_dir))
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        text = _inline_css_urls(text, path.parent).replace("</style", "<\\/style")
        return f'<style data-asset="{name}">\n{text}\n</style>'
    # "</script" cannot occur in JS outside strings; inside a string "<\/script" is the same text.
    text = text.replace("</script", "<\\/script")
    return f'<script data-asset="{name}">\n{text}\n</script>'


@lru_cache(maxsize=1)
def runtime_js() -> str:
    """Return Pantau's own map runtime (popups built with text nodes, filters, layer registry)."""
    return resources.files("geo.maps").joinpath("templates/pantau.js").read_text(encoding="utf-8")


def _leaflet_icons(settings: MapSettings) -> str:
    """Point Leaflet's default marker icon at data URIs.

    Plugins such as the measuring tool create default markers; Leaflet would otherwise derive a
    file path from its (inlined) stylesheet and fetch ``marker-icon.png`` next to the page.
    """
    folder = settings.assets_dir / "leaflet" / "dist" / "images"
    uris = {}
    for key, name in (
        ("iconUrl", "marker-icon.png"),
        ("iconRetinaUrl", "marker-icon-2x.png"),
        ("shadowUrl", "marker-shadow.png"),
    ):
        data = base64.b64encode((folder / name).read_bytes()).decode("ascii")
        uris[key] = f"data:image/png;base64,{data}"
    options = ",".join(f'{k}:"{v}"' for k, v in uris.items())
    return (
        f"<script>L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({{{options}}});</script>"
    )


class InlineAssets(Element):
    """A header element holding the inlined ``<style>``/``<script>`` of each named asset."""

    def __init__(self, names: list[str], settings: MapSettings) -> None:
        super().__init__()
        self.names = names
        self.tags = []
        for name in names:
            self.tags.append(_inline_tag(name, str(settings.assets_dir)))
            if name == "leaflet":
                self.tags.append(_leaflet_icons(settings))

    def render(self, **kwargs: Any) -> str:
        """Return the inlined tags."""
        return "\n".join(self.tags)


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def make_offline(m: folium.Map, *, settings: MapSettings) -> list[str]:
    """Inline every JS/CSS resource of ``m`` and its plugins; return the asset names inlined.

    Call it after the last layer or control is added and before rendering.

    Examples
    --------
    >>> m = folium.Map(tiles=None)
    >>> make_offline(m, settings=MapSettings())[:2]
    ['leaflet_css', 'leaflet']
    """
    js: list[str] = []
    css: list[str] = []
    for element in _walk(m):
        if not isinstance(element, MacroElement):
            continue
        for attr, bucket in (("default_js", js), ("default_css", css)):
            for name, _url in getattr(element, attr, []):
                if name in UNUSED_OFFLINE or name in bucket:
                    continue
                if name not in ASSETS:
                    raise ConfigurationError(
                        f"map element {type(element).__name__} needs the resource {name!r}, which "
                        f"has no pinned offline file; known: {sorted(ASSETS)}"
                    )
                bucket.append(name)
            if getattr(element, attr, None):
                # An instance attribute shadows the class list, so folium renders no CDN link.
                setattr(element, attr, [])
    names = css + js
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(InlineAssets(names, settings), name="pantau_inline_assets")
    return names


def _css_targets(css: Path) -> list[Path]:
    """Return the local files a stylesheet's ``url(...)`` name (that exist)."""
    found = []
    for match in _CSS_URL.finditer(css.read_text(encoding="utf-8")):
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or "//" in target:
            continue
        file = (css.parent / target.split("?")[0].split("#")[0]).resolve()
        if file.is_file():
            found.append(file)
    return found


@lru_cache(maxsize=4)
def _served(assets_dir: str) -> frozenset[str]:
    root = Path(assets_dir).resolve()
    names = set()
    for relative in ASSETS.values():
        path = root / relative
        if not path.is_file():
            continue
        names.add(relative)
        if path.suffix == ".css":
            names.update(str(f.relative_to(root)) for f in _css_targets(path))
    # Leaflet finds its default marker next to its stylesheet (plugins such as measuring use it).
    names.update(
        f"leaflet/dist/images/{n}"
        for n in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")
    )
    return frozenset(names)


def served_files(settings: MapSettings) -> frozenset[str]:
    """Return the files (relative to ``node_modules``) a map served by the app may load.

    The map assets of :data:`ASSETS` and the images their stylesheets name: the app serves
    these and no other file of ``node_modules``.

    Examples
    --------
    >>> files = served_files(MapSettings())
    >>> "leaflet/dist/leaflet.js" in files, "leaflet-measure/dist/images/start.png" in files
    (True, True)
    >>> "leaflet/package.json" in files
    False
    """
    return _served(str(settings.assets_dir))


def serve_from(m: folium.Map, root: str) -> list[str]:
    """Point every JS/CSS resource of ``m`` at the app's copy under ``root``; return the names.

    ``root`` is where the app serves :func:`served_files` (e.g. ``/static/vendor/npm``). Like
    :func:`make_offline`, a name with no pinned file is an error, and the unused defaults
    (jQuery, Bootstrap, icon fonts) are dropped. Call it after the last layer is added.

    Examples
    --------
    >>> m = folium.Map(tiles=None)
    >>> serve_from(m, "/static/vendor/npm")[:2]
    ['leaflet_css', 'leaflet']
    >>> html = m.get_root().render()
    >>> '<script src="/static/vendor/npm/leaflet/dist/leaflet.js"></script>' in html
    True
    >>> "jsdelivr" in html, "jquery" in html
    (False, False)
    """
    names: list[str] = []
    root = root.rstrip("/")
    for element in _walk(m):
        if not isinstance(element, MacroElement):
            continue
        for attr in ("default_css", "default_js"):
            kept = []
            for name, _url in getattr(element, attr, []):
                if name in UNUSED_OFFLINE:
                    continue
                if name not in ASSETS:
                    raise ConfigurationError(
                        f"map element {type(element).__name__} needs the resource {name!r}, which "
                        f"has no pinned file; known: {sorted(ASSETS)}"
                    )
                kept.append((name, f"{root}/{ASSETS[name]}"))
                if name not in names:
                    names.append(name)
            if getattr(element, attr, None):
                setattr(element, attr, kept)
    return names


def remote_references(html: str) -> list[str]:
    """Return every construct in ``html`` that would fetch from the network or a file path.

    An offline map must return an empty list.

    Examples
    --------
    >>> remote_references('<script src="https://cdn.example/leaflet.js"></script>')
    ['<script src=']
    >>> remote_references("<script>var a = 1;</script>")
    []
    """
    return [m.group(0) for m in _REMOTE.finditer(html)]
