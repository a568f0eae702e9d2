"""The web pages: server-rendered HTML from the same FastAPI app, for staff and the public.

:mod:`api.web.templating` renders Jinja2 templates in the reader's language from the one
message catalogue; :mod:`api.web.assets` serves the page's own CSS/JS and the pinned npm
packages (htmx, Leaflet, idb-keyval) from this server, so no page needs a CDN or the internet.
"""
