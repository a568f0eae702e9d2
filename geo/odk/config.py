"""Settings of the ODK link (``PANTAU_ODK_*``): the ODK Central server, its project and form.

Everything but the server is optional: the form and the site list are written as files without a
server, and an export zip is imported without one. The password comes from the environment,
never from the repository.

Examples
--------
>>> OdkSettings().configured
False
>>> OdkSettings(base_url="https://central.example.org", username="a@b.id",
...             password="x", project_id=3).configured
True
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["OdkSettings"]


class OdkSettings(BaseModel):
    """The ODK Central server and what Pantau Tambang reads and writes there."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    #: ODK Central's address, e.g. ``https://central.esdm.kaltimprov.go.id`` (no ``/v1``).
    base_url: str | None = None
    #: A Web User of Central (its e-mail) allowed to manage the project.
    username: str | None = None
    password: SecretStr | None = None
    project_id: int | None = Field(default=None, ge=1)
    #: The inspection form's id on Central (``pantau odk form`` writes ``pantau_inspeksi``).
    form_id: str = "pantau_inspeksi"
    #: Name of the Entity List of the sites; the form attaches ``<entity_list>.csv``.
    entity_list: str = "sites"
    #: A submission whose GPS point is farther than this from its site is refused.
    max_distance_m: float = Field(default=5000.0, gt=0)
    #: Seconds to wait for each request to the server.
    timeout_s: float = Field(default=60.0, gt=0)

    @property
    def configured(self) -> bool:
        """Whether a server, a user, a password and a project are all set."""
        secret = self.password.get_secret_value() if self.password is not None else ""
        return bool(self.base_url and self.username and secret and self.project_id)
