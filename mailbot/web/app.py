"""`mailbot web`: Datasette over the register, read-only, behind a login (docs/DESIGN.md §9).

The register file is opened only through read-only connections (`mode=ro`, and `query_only`
on each connection): the web view can never write it, whatever a URL asks. The daemon may go
on writing meanwhile — SQLite's WAL lets readers see each commit as it lands.
"""

from __future__ import annotations

import importlib.resources
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from mailbot.config import Rules
from mailbot.web import plugin
from mailbot.web.context import WebContext
from mailbot.web.metadata import DATABASE, SETTINGS, build_metadata


class ReadOnlyDatabase(Database):
    """A Datasette database whose every connection, the "write" one included, is read-only."""

    def connect(self, write=False):
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self._all_file_connections.append(conn)
        return conn


def users_file(rules: Rules) -> Path:
    """Where the accounts are kept: `web.users_file`, resolved against rules.yaml's folder."""
    return rules.path(rules.web.users_file)  # type: ignore[return-value]


def build(rules: Rules, *, accounts_file: Path | None = None, secret: str | None = None) -> Datasette:
    """A Datasette instance serving the register of `rules` (not started)."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="mailbot-web")
    templates = importlib.resources.files("mailbot.web") / "templates"
    ds = Datasette(metadata=build_metadata(rules), settings=SETTINGS, template_dir=str(templates),
                   secret=secret)
    ds.mailbot = WebContext(timezone=ZoneInfo(rules.office.timezone),
                            users_file=accounts_file or users_file(rules), limits=rules.limits)
    ds.add_database(ReadOnlyDatabase(ds, path=str(rules.db_path), is_mutable=True), name=DATABASE)
    return ds


def serve(ds: Datasette, host: str, port: int) -> None:
    """Run the web view until interrupted."""
    import uvicorn

    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", proxy_headers=True,
                forwarded_allow_ips="127.0.0.1")
