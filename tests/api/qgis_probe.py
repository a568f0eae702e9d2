"""Open the OGC API - Features ``sites`` layer in the real QGIS, as an analyst would.

Run by Debian's system Python (``/usr/bin/python3``, where ``python3-qgis`` installs its
bindings), not the project's venv: ``qgis_probe.py URL TOKEN``. It stores a Basic
authentication configuration (any user name, the token as password) in a throw-away QGIS
authentication database, adds the layer through QGIS's ``OAPIF`` provider with that ``authcfg``,
counts its features and prints ``{"valid": ..., "count": ..., "crs": ...}`` as JSON.

Nothing of the user's QGIS profile is read or written: the profile, settings and auth database
live in a temporary folder, and the Qt platform is ``offscreen``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

#: QGIS objects kept alive until the process ends (see :func:`probe`).
_KEEP: list[object] = []


def probe(url: str, token: str, collection: str = "sites") -> dict[str, object]:
    """Return the layer's validity, feature count and CRS as QGIS sees them."""
    from qgis.core import (
        QgsApplication,
        QgsAuthMethodConfig,
        QgsDataSourceUri,
        QgsVectorLayer,
    )

    # Kept alive until the process ends: tearing QGIS down (exitQgis, or the interpreter freeing
    # a layer after it) crashes 3.22 once the provider's download threads have run.
    app = QgsApplication([], False)
    _KEEP.append(app)
    app.initQgis()
    messages: list[str] = []  # what QGIS logs (a refused token shows up here)
    QgsApplication.messageLog().messageReceived.connect(
        lambda text, tag, level: messages.append(f"{tag}: {text}")
    )
    auth = QgsApplication.authManager()
    if not auth.setMasterPassword("pantau-probe", True):
        raise RuntimeError("QGIS refused the master password of the temporary auth DB")
    config = QgsAuthMethodConfig()
    config.setName("Pantau Tambang")
    config.setMethod("Basic")
    config.setUri(url)
    config.setConfig("username", "qgis")
    config.setConfig("password", token)
    stored = auth.storeAuthenticationConfig(config)
    if isinstance(stored, tuple):  # newer bindings return (ok, config)
        stored, config = stored
    if not stored or not config.id():
        raise RuntimeError("QGIS did not store the Basic authentication configuration")
    uri = QgsDataSourceUri()
    uri.setParam("url", url)
    uri.setParam("typename", collection)
    uri.setAuthConfigId(config.id())
    layer = QgsVectorLayer(uri.uri(False), collection, "OAPIF")
    _KEEP.append(layer)
    valid = layer.isValid()
    count = sum(1 for _ in layer.getFeatures()) if valid else 0
    app.processEvents()  # deliver the messages QGIS's download threads logged
    provider = layer.dataProvider()
    if provider is not None and provider.hasErrors():
        messages.extend(provider.errors())
    if layer.error().messageList():
        messages.append(layer.error().summary())
    return {
        "valid": valid,
        "count": count,
        "feature_count": int(layer.featureCount()) if valid else 0,
        "crs": layer.crs().authid() if valid else "",
        "uri": uri.uri(False),
        "messages": messages,
    }


def main() -> None:
    """Probe ``argv[1]`` (the ``/ogc`` URL) with token ``argv[2]``, print the result and end
    the process at once (see :func:`probe` on why QGIS is not torn down)."""
    url, token = sys.argv[1], sys.argv[2]
    home = tempfile.mkdtemp(prefix="pantau-qgis-")
    try:
        os.environ["HOME"] = home
        os.environ["QGIS_AUTH_DB_DIR_PATH"] = home
        os.environ["QGIS_CUSTOM_CONFIG_PATH"] = home
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ["XDG_RUNTIME_DIR"] = home
        result = probe(url, token)
        print(json.dumps(result), flush=True)  # noqa: T201 (the test reads this line)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
