"""ODK Central through ``pyodk``, the official client: push the site list, pull submissions.

The client is built from :class:`~geo.odk.config.OdkSettings` in memory: pyodk's
:class:`~pyodk.client.Client` takes a ready ``Config`` and ``Session``, so the password is never
written to a ``pyodk_config.toml`` and no session token is cached in a file in the home folder
(pyodk's ``Session`` with ``cache_path=None`` keeps the token in memory for the run). Pyodk
covers sessions, the OData submission table and the Entity List merge; it has no call to
download a submission attachment, so that one request goes through the same authenticated
pyodk session.

Network errors and refusals from the server become :class:`CentralError`
naming the server, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.errors import N_, ConfigurationError, PantauError
from geo.odk.config import OdkSettings

if TYPE_CHECKING:
    from pyodk.client import Client

__all__ = [
    "CentralError",
    "NOT_CONFIGURED",
    "PushResult",
    "client",
    "push_entities",
    "pull_submissions",
]

log = logging.getLogger(__name__)

NOT_CONFIGURED = N_(
    "no ODK Central server is configured: set PANTAU_ODK_BASE_URL, PANTAU_ODK_USERNAME, "
    "PANTAU_ODK_PASSWORD and PANTAU_ODK_PROJECT_ID"
)
_FAILED = N_("ODK Central at {url} did not answer as expected: {problem}")
_ATTACHMENT = "projects/{project_id}/forms/{form_id}/submissions/{instance_id}/attachments/{name}"


class CentralError(PantauError):
    """ODK Central refused a request or did not answer."""


@dataclass(frozen=True)
class PushResult:
    """What pushing the site list changed on Central: entities created, updated and deleted."""

    entity_list: str
    created: int
    updated: int
    deleted: int
    list_created: bool


@contextmanager
def client(settings: OdkSettings) -> Iterator[Client]:
    """Open a pyodk client on the configured server; errors name the server.

    Raises
    ------
    ConfigurationError
        The server, user, password or project is not set.
    CentralError
        The server refused the login or did not answer.
    """
    if not settings.configured:
        raise ConfigurationError.of(NOT_CONFIGURED, field="odk")
    import pydantic
    import requests
    from pyodk._utils.config import CentralConfig, Config
    from pyodk._utils.session import Adapter, Session
    from pyodk.client import Client
    from pyodk.errors import PyODKError

    assert settings.base_url and settings.username and settings.password  # checked above
    password = settings.password.get_secret_value()
    session = Session(
        base_url=settings.base_url,
        api_version="v1",
        username=settings.username,
        password=password,
        cache_path=None,
    )
    for scheme in ("https://", "http://"):  # pyodk sets a timeout for https only
        session.mount(scheme, Adapter(timeout=settings.timeout_s, blocksize=session.blocksize))
    config = Config(
        central=CentralConfig(
            base_url=settings.base_url,
            username=settings.username,
            password=password,
            default_project_id=settings.project_id,
        )
    )
    try:
        with Client(config=config, session=session, project_id=settings.project_id) as c:
            yield c
    except (PyODKError, requests.RequestException, pydantic.ValidationError) as exc:
        raise CentralError.of(
            _FAILED, field="odk", url=settings.base_url, problem=_short(exc)
        ) from None


def _short(exc: Exception) -> str:
    """Return the first line of an error, without the response body a server may append."""
    text = str(exc).split(" content: ")[0].strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _ensure_list(c: Client, name: str) -> bool:
    """Create the Entity List when the project does not have it; return whether it was made."""
    if any(el.name == name for el in c.entity_lists.list()):
        return False
    c.entity_lists.create(entity_list_name=name)
    return True


def push_entities(*, settings: OdkSettings, rows: list[dict[str, str]]) -> PushResult:
    """Make the Entity List on Central equal to ``rows`` (from :mod:`geo.odk.entities`).

    Entities are matched on their ``code`` property: new sites are created, changed ones
    updated, and sites no longer in the registry deleted. Central names each entity with a UUID
    of its own, so the entity's ``name`` column is not sent; the form reads the code from the
    ``code`` property.
    """
    data = [{k: v for k, v in r.items() if k != "name"} for r in rows]
    with client(settings) as c:
        made = _ensure_list(c, settings.entity_list)
        actions = c.entities.merge(
            data,
            entity_list_name=settings.entity_list,
            match_keys=("code",),
            add_new_properties=True,
            update_matched=True,
            delete_not_matched=True,
            create_source="pantau-tambang",
        )
    log.info(
        "entity list %s: %d created, %d updated, %d deleted",
        settings.entity_list,
        len(actions.to_insert),
        len(actions.to_update),
        len(actions.to_delete),
    )
    return PushResult(
        entity_list=settings.entity_list,
        created=len(actions.to_insert),
        updated=len(actions.to_update),
        deleted=len(actions.to_delete),
        list_created=made,
    )


#: Downloads a named attachment of a submission; ``None`` when the server has no such file.
AttachmentGetter = Callable[[str, str], bytes | None]


def pull_submissions(
    *, settings: OdkSettings, handle: Callable[[list[dict[str, Any]], AttachmentGetter], Any]
) -> Any:
    """Read every submission of the form (repeats expanded) and hand them to ``handle``.

    ``handle`` gets the OData rows and a function ``(instance_id, file name) -> bytes | None``
    that downloads an attachment while the session is open; its return value is returned.
    """
    with client(settings) as c:
        table = c.submissions.get_table(form_id=settings.form_id, expand="*")
        rows = list(table.get("value", []))

        def attachment(instance_id: str, name: str) -> bytes | None:
            url = c.session.urlformat(
                _ATTACHMENT,
                project_id=settings.project_id,
                form_id=settings.form_id,
                instance_id=instance_id,
                name=name,
            )
            response = c.session.get(url)
            if response.status_code == 404:
                return None
            response.raise_for_status()
            return bytes(response.content)

        return handle(rows, attachment)
