"""The Datasette plugin that makes the register view mailbot's: who may see what, the login,
folded search, Vietnamese labels, the entry page's details and attachment downloads.

Permissions are default-deny: this hook runs last and answers every check, so only the
whitelisted actions below are allowed — no SQL, no database download, no write of any kind,
whatever another installed plugin would grant.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from datetime import timedelta

from datasette import hookimpl
from datasette.utils.asgi import Response

from mailbot.store import web as queries
from mailbot.util.textfold import fold
from mailbot.web import accounts, files
from mailbot.web.context import WebContext
from mailbot.web.metadata import DATABASE, PUBLIC_TABLES, label

_READ_ACTIONS = frozenset({"view-instance", "view-database", "view-table", "view-query"})
_COOKIE_DAYS = 1


def _context(datasette) -> WebContext | None:
    return getattr(datasette, "mailbot", None)


def _role(actor) -> str | None:
    role = (actor or {}).get("role")
    return role if role in accounts.ROLES else None


@hookimpl(trylast=True)
def permission_allowed(datasette, actor, action, resource):
    if _context(datasette) is None:
        return None
    role = _role(actor)
    if role is None or action not in _READ_ACTIONS:
        return False
    if action == "view-instance":
        return True
    database = resource[0] if isinstance(resource, tuple) else resource
    if database != DATABASE:
        return False
    if action == "view-table":
        return resource[1] in PUBLIC_TABLES
    if action == "view-query":
        name = resource[1]
        return name in queries.CANNED and (name not in queries.CLERK_ONLY or role == "clerk")
    return True


@hookimpl
def forbidden(datasette, request, message):
    """Anyone not logged in is sent to the login page, whatever they asked for."""
    if _context(datasette) is None or request.actor:
        return None
    return Response.redirect("/-/login?" + urllib.parse.urlencode({"next": request.full_path}))


@hookimpl
def prepare_connection(conn, database, datasette):
    context = _context(datasette)
    if context is None or database != DATABASE:
        return
    queries.refuse_writes(conn)
    conn.create_function("mailbot_today", 0, lambda: context.today().isoformat())
    conn.create_function("mailbot_week_start", 0, lambda: _week_start(context.today()).isoformat())
    conn.create_function("mailbot_quarter_start", 0, lambda: _quarter_start(context.today()).isoformat())


def _week_start(day):
    return day - timedelta(days=day.weekday())


def _quarter_start(day):
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    if _context(datasette) is not None:
        env.globals["mailbot_label"] = label


# The only requests that may carry a body: logging in and out. Nothing else is ever posted,
# so no URL can reach a write path of Datasette or of another plugin.
_POST_PATHS = frozenset({"/-/login", "/-/logout"})


@hookimpl
def asgi_wrapper(datasette):
    """Refuse every method but GET and HEAD (except the login form), and fold `_search` the way
    the register's search text is folded: `Đồng Nai` → `dong nai`."""
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope.get("type") == "http":
                method = scope.get("method", "GET")
                if method not in ("GET", "HEAD") and not (method == "POST" and scope.get("path") in _POST_PATHS):
                    await Response.text("Chỉ được xem (read-only).", status=405,
                                        headers={"allow": "GET, HEAD"}).asgi_send(send)
                    return
                if b"_search" in scope.get("query_string", b""):
                    scope = {**scope, "query_string": _folded_query(scope["query_string"])}
            await app(scope, receive, send)
        return guarded
    return wrap


def _folded_query(query: bytes) -> bytes:
    pairs = urllib.parse.parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True)
    return urllib.parse.urlencode([(k, fold(v) if k.startswith("_search") and k != "_searchmode" else v)
                                   for k, v in pairs]).encode("ascii")


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    context = _context(datasette)
    if context is None or view_name != "row" or database != DATABASE or table != "entries":
        return None

    async def details():
        entry = int(request.url_vars["pks"].split(",")[0])
        db = datasette.get_database(DATABASE)
        return await db.execute_fn(lambda conn: entry_details(conn, entry))
    return details


def entry_details(conn, entry: int) -> dict:
    """What the entry page shows beside the register row: signatures, notices and files, with
    download links only for an accepted document without a secrecy stamp."""
    row = queries.entry_page(conn, entry)
    if row is None:
        return {}
    secret = bool(row.get("secrecy")) or row["message_decision"] != "accept"
    signatures = queries.entry_signatures(conn, entry)
    for sig in signatures:
        sig["reasons_vi"] = json.loads(sig["reasons_vi"] or "[]")
    files_ = queries.entry_files(conn, entry)
    for f in files_:
        f["url"] = None if secret or not f["allowed"] else f"/-/mailbot/tep/{entry}/{f['sha256']}"
    return {"mailbot_entry": row, "mailbot_secret": secret, "mailbot_signatures": signatures,
            "mailbot_notices": queries.entry_notices(conn, entry), "mailbot_files": files_}


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/login$", login),
        (r"^/-/mailbot/tep/(?P<entry>\d+)/(?P<sha256>[0-9a-f]{64})$", download),
    ]


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//host" or "http://…" would send the user elsewhere.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def login(datasette, request):
    context = _context(datasette)
    if context is None:
        return Response.text("not configured", status=404)
    error = None
    if request.method == "POST":
        form = await request.post_vars()
        name, password = form.get("username", ""), form.get("password", "")
        account = accounts.check_login(context.users_file, name, password)
        if account is not None:
            response = Response.redirect(_safe_next(form.get("next")))
            actor = {"id": account.name, "role": account.role}
            response.set_cookie("ds_actor", datasette.sign({"a": actor}, "actor"), httponly=True,
                                samesite="lax", max_age=_COOKIE_DAYS * 86400)
            context.log.info("web login: %s (%s)", account.name, account.role)
            return response
        context.log.warning("web login refused for %r", name[:64])
        error = "Tên đăng nhập hoặc mật khẩu không đúng."
    html = await datasette.render_template(
        "mailbot_login.html", {"error": error, "next": _safe_next(request.args.get("next")),
                               "title": datasette.metadata("title")}, request=request)
    return Response.html(html, status=401 if error else 200)


async def download(datasette, request):
    """An original attachment, read from the spooled message, for a logged-in user; refused for
    secret, held or refused messages and for files that were not accepted."""
    context = _context(datasette)
    if context is None or _role(request.actor) is None:
        return Response.redirect("/-/login?" + urllib.parse.urlencode({"next": request.full_path}))
    entry, sha256 = int(request.url_vars["entry"]), request.url_vars["sha256"]
    db = datasette.get_database(DATABASE)
    found = await db.execute_fn(lambda conn: queries.downloadable_file(conn, entry, sha256))
    if found is None:
        return Response.text("Không có tệp này để tải về.", status=403)
    data = files.original_attachment(found["spool_path"], sha256, context.limits)
    if data is None or hashlib.sha256(data).hexdigest() != sha256:
        context.log.error("attachment %s of entry %s not found in %s", sha256, entry, found["spool_path"])
        return Response.text("Không đọc được tệp gốc.", status=404)
    context.log.info("web download: %s took %s of entry %s", request.actor.get("id"), found["filename"], entry)
    quoted = urllib.parse.quote(found["filename"])
    return Response(data, content_type=found["mime"] or "application/octet-stream", headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quoted}",
        "x-content-type-options": "nosniff", "cache-control": "private, no-store"})

