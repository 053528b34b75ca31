"""A small client of the service's REST API (Airflow 3, ``/api/v2``), as the admin.

Used by ``planwatch backfill`` and the tests that drive the real service: trigger
a DAG run, wait for it, read its task instances.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from planwatch.config import Settings
from planwatch.errors import UserError

FINISHED = {"success", "failed"}


class ApiError(UserError):
    pass


@dataclass
class AirflowApi:
    url: str
    username: str
    password: str
    _token: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> AirflowApi:
        from planwatch.orchestration import service

        state = service.status(settings)
        api = [c for c in state.components if c.name == "api-server" and c.pid]
        if not api or not state.url:  # other components may be down: the API still answers
            raise ApiError("the service is not running: planwatch serve start")
        return cls(state.url, service.ADMIN, service.admin_password(service.Paths.of(settings)))

    def _request(self, method: str, path: str, body: dict | None = None,
                 auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers=headers,
            data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            raise ApiError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from None
        return json.loads(text) if text else None

    def token(self) -> str:
        if self._token is None:
            answer = self._request("POST", "/auth/token", {
                "username": self.username, "password": self.password}, auth=False)
            self._token = answer["access_token"]
        return self._token

    def trigger(self, dag_id: str, conf: dict | None = None,
                logical_date: str | None = None) -> str:
        """A new DAG run; returns its run id."""
        body: dict[str, Any] = {"conf": conf or {}, "logical_date": logical_date}
        return self._request("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100"
                                    "&order_by=-run_after")["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
                                    "?limit=1000")["task_instances"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> Any:
        """What a task instance returned (None when it returned nothing)."""
        try:
            entry = self._request(
                "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
                       f"/xcomEntries/return_value?map_index={map_index}&deserialize=true")
        except ApiError as exc:
            if " 404 " in str(exc):
                return None
            raise
        return entry.get("value")

    def wait(self, dag_id: str, run_id: str, *, timeout_s: float = 600,
             poll_s: float = 1.0) -> dict[str, Any]:
        """The run once it has finished (success or failed)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.run(dag_id, run_id)
            if found["state"] in FINISHED:
                return found
            time.sleep(poll_s)
        raise ApiError(f"{dag_id} {run_id} did not finish within {timeout_s:.0f} s")

    def pause(self, dag_id: str, paused: bool = True) -> None:
        """Pause a DAG (no new run starts; what its schedule or assets ask waits),
        or unpause it."""
        self._request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": paused})

    def dags(self) -> list[dict[str, Any]]:
        return self._request("GET", "/api/v2/dags")["dags"]
