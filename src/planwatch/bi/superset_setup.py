"""Run by Superset's own Python (its virtual environment), never imported by
planwatch: the admin, the bundle's import and the public role, in one app context.

Reads a JSON object from standard input (never argv: it holds secrets):
``admin_password``, ``database_uri`` (the BI reader's, with its password) and
``bundle`` (the folder of ``bi/bundle``). Prints a JSON summary: the
dashboards' and charts' ids by UUID.

The bundle is imported as it is written, but for the database's URI (filled in
here) and each chart's ``query_context``: Superset answers
``GET /api/v1/chart/<id>/data/`` from the query a chart saved, which its web
page writes when a person saves the chart; here it is written from the chart's
own parameters (columns, metrics, filters, order) for the charts the bundle uses.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ADMIN = "admin"
# What an anonymous viewer of a dashboard (screenshots, a wall screen) may not do.
WRITES = ("can_write", "can_delete", "can_save", "can_import", "can_export", "can_add",
          "can_edit", "can_csv", "can_sqllab", "can_execute_sql_query")


def _contents(bundle: Path, database_uri: str) -> dict[str, str]:
    contents = {}
    for path in sorted(bundle.rglob("*.yaml")):
        key = path.relative_to(bundle).as_posix()
        text = path.read_text(encoding="utf-8")
        if key.startswith("databases/"):
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = database_uri
            text = yaml.safe_dump(config, allow_unicode=True)
        contents[key] = text
    return contents


def _filters(params: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    simple, where = [], []
    for f in params.get("adhoc_filters") or []:
        if f.get("expressionType") == "SQL":
            where.append(f"({f['sqlExpression']})")
        else:
            simple.append({"col": f["subject"], "op": f["operator"], "val": f.get("comparator")})
    return simple, " AND ".join(where)


def query_of(params: dict[str, Any]) -> dict[str, Any]:
    """The query a chart of the bundle's kinds asks (what its page would save)."""
    filters, where = _filters(params)
    query: dict[str, Any] = {"filters": filters, "extras": {"where": where, "having": ""},
                             "row_limit": params.get("row_limit", 1000), "orderby": [],
                             "columns": [], "metrics": [], "annotation_layers": [],
                             "url_params": {}, "custom_params": {}, "custom_form_data": {}}
    viz = params["viz_type"]
    if viz == "table" and params.get("query_mode") == "raw":
        query["columns"] = list(params["all_columns"])
        query["orderby"] = [json.loads(o) for o in params.get("order_by_cols", [])]
    elif viz == "table":
        query["columns"] = list(params["groupby"])
        query["metrics"] = list(params["metrics"])
        sort = params.get("timeseries_limit_metric") or params["metrics"][0]
        query["orderby"] = [[sort, not params.get("order_desc", True)]]
    elif viz == "big_number_total":
        query["metrics"] = [params["metric"]]
    elif viz == "heatmap_v2":
        query["columns"] = [params["x_axis"], params["groupby"]]
        query["metrics"] = [params["metric"]]
    else:  # echarts_timeseries_bar / _line on a category axis
        query["columns"] = [params["x_axis"], *params.get("groupby", [])]
        query["metrics"] = list(params["metrics"])
        query["orderby"] = [[params["x_axis"], True]]
        query["series_columns"] = list(params.get("groupby", []))
    return query


def _query_context(chart: Any) -> str:
    params = json.loads(chart.params)
    params["datasource"] = f"{chart.datasource_id}__table"
    return json.dumps({"datasource": {"id": chart.datasource_id, "type": "table"},
                       "force": False, "queries": [query_of(params)], "form_data": params,
                       "result_format": "json", "result_type": "full"})


def _admin(app_security: Any, password: str) -> None:
    from werkzeug.security import generate_password_hash

    user = app_security.find_user(username=ADMIN)
    if user is None:
        app_security.add_user(ADMIN, "Quản trị", "planwatch", "admin@localhost",
                              app_security.find_role("Admin"), password=password)
    else:
        user.password = generate_password_hash(password)
        app_security.update_user(user)


def _public_reads(app_security: Any, database: Any) -> None:
    """The Public role (PUBLIC_ROLE_LIKE) reads the dashboards' data and nothing else."""
    from superset import db

    public = app_security.find_role("Public")
    public.permissions = [p for p in public.permissions
                          if p.permission.name not in WRITES and p.view_menu.name != "SQLLab"]
    view = app_security.find_permission_view_menu("database_access", database.perm)
    if view is not None and view not in public.permissions:
        public.permissions.append(view)
    db.session.commit()


def main() -> int:
    given = json.loads(sys.stdin.read())
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from flask import g
        from superset import db, security_manager
        from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
        from superset.models.core import Database
        from superset.models.dashboard import Dashboard
        from superset.models.slice import Slice

        _admin(security_manager, given["admin_password"])
        db.session.commit()
        g.user = security_manager.find_user(username=ADMIN)
        ImportDashboardsCommand(_contents(Path(given["bundle"]), given["database_uri"]),
                                overwrite=True).run()
        uuids = {str(c.uuid) for c in db.session.query(Slice)}
        charts = {}
        for chart in db.session.query(Slice):
            chart.query_context = _query_context(chart)
            charts[str(chart.uuid)] = chart.id
        db.session.commit()
        for database in db.session.query(Database):
            _public_reads(security_manager, database)
        dashboards = {str(d.uuid): {"id": d.id, "slug": d.slug, "title": d.dashboard_title}
                      for d in db.session.query(Dashboard)}
        print(json.dumps({"dashboards": dashboards, "charts": charts,
                          "chart_count": len(uuids)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
