"""``docker-compose.yml``, its ``Dockerfile`` and ``.env.compose.example``, checked
without Docker (images cannot be pulled where the tests run).

- The file is valid against the Compose Specification's JSON schema; where the
  ``docker compose`` plugin is installed, ``docker compose config -q`` also
  accepts it with every required variable set, and refuses it without them.
- Every service has a healthcheck; every published port is bound to 127.0.0.1;
  no password has a default (every secret is a ``${VAR:?message}``); the worker
  scales; the warehouse, Airflow's metadata and planwatch's data, inbox and
  state are named volumes.
- Parity with ``planwatch serve`` (``planwatch.orchestration.service``):

  * the components: the compose services built from the Dockerfile, less
    ``airflow-init``, are exactly ``airflow-<name>`` of ``components()`` (the
    Celery workers ``worker-1..N`` are the one scaled service
    ``airflow-worker``). "The same command" means: the same program (``airflow``,
    or ``python -m planwatch.orchestration.launcher`` for the components tasks
    are forked from) followed by the same subcommand words, the same option
    names and the same option values,
    except the values listed in ``COMMAND_EXCEPTIONS``. The api-server's
    ``--port`` is compared exactly: the reference is computed with the port the
    container publishes.
  * the environment: every Airflow service has exactly the variable names of
    ``airflow_env()`` + ``service_config(executor=CeleryExecutor)``, the
    ``PLANWATCH_*`` settings ``src/`` reads (less ``SRC_ONLY``) and
    ``COMPOSE_ONLY``; airflow-init also ``INIT_ONLY``; none other. Values are
    compared after resolving compose's interpolation (a required ``${VAR:?}``
    becomes ``~VAR~``; the reference is computed from the compose file's own
    resolved ``WAREHOUSE_URL`` (airflow-init's) and broker URL, with the roles'
    passwords in its environment as ``~VAR~`` too) and after mapping the
    temporary home and the repository to the image's ``PLANWATCH_HOME`` and
    ``PLANWATCH_PROJECT_DIR``: they must be equal, except the names in
    ``VALUE_EXCEPTIONS``, each with its reason and its own check.

The schema, ``tests/fixtures/compose-spec.json``, is ``schema/compose-spec.json``
of https://github.com/compose-spec/compose-spec at commit
00655e2222608fa6eaecdf12ac5195889ca2244a, unchanged; Copyright the Compose
Specification authors, licensed under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

import planwatch
from planwatch.config import load_settings
from planwatch.orchestration import service
from planwatch.orchestration.airflow_cli import airflow_env

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
ENV_EXAMPLE = REPO / ".env.compose.example"
SCHEMA = REPO / "tests" / "fixtures" / "compose-spec.json"

INIT = "airflow-init"
API = "airflow-api-server"
METADATA_DB, WAREHOUSE_DB, BROKER = "postgres", "warehouse", "redis"
LOCALHOST = "127.0.0.1"

# Option values of a component's command that differ from `planwatch serve`'s,
# keyed by (component, option): the reason, and what the compose value must be.
COMMAND_EXCEPTIONS: dict[tuple[str, str], tuple[str, Any]] = {
    ("api-server", "--host"): (
        "listens on every interface of its container; published on 127.0.0.1 only",
        lambda value: value == "0.0.0.0"),
    ("worker", "--celery-hostname"): (
        "one scaled service, not worker-<n>: %h (the replica's container hostname) "
        "keeps every replica's name unique",
        lambda value: re.fullmatch(r"[a-z]+@%h", value) is not None),
}

# Variables every compose Airflow service has and `planwatch serve`'s components
# do not, with the reason: none.
COMPOSE_ONLY: dict[str, str] = {
    "AIRFLOW_CONN_SMTP_DEFAULT": "the deadline's mail server, which `planwatch serve` "
                                 "takes from the user's environment as Airflow does",
}
# What planwatch.warehouse.roles reads: PLANWATCH_<ROLE>_PASSWORD for each of its ROLES.
ROLE_PASSWORDS = ["PLANWATCH_LOADER_PASSWORD", "PLANWATCH_TRANSFORMER_PASSWORD",
                  "PLANWATCH_BI_READER_PASSWORD", "PLANWATCH_AUDITOR_PASSWORD"]
# Variables airflow-init has besides, with the reason.
INIT_ONLY = {
    "PLANWATCH_ADMIN_PASSWORD": "airflow-init writes it to the simple auth manager's "
                                "passwords file (`planwatch serve` generates one)",
    "WAREHOUSE_URL": "the warehouse's owner, for `planwatch init` (migrations, seeds, "
                     "roles); airflow_env() keeps it from the components too",
    **dict.fromkeys(ROLE_PASSWORDS, "the passwords `planwatch init` gives the login roles "
                                    "(serve: from the environment, or the server's "
                                    "passwords file); the components have them "
                                    "only inside AIRFLOW_CONN_*"),
}
# PLANWATCH_* settings src/ reads that compose does not set, with the reason.
SRC_ONLY = {
    "PLANWATCH_BROKER_URL": "read by `planwatch serve` only, to set "
                            "AIRFLOW__CELERY__BROKER_URL, which compose sets itself",
    "PLANWATCH_PASSWORDS_FILE": "a file of the server's role passwords that homes on one "
                                "server share; compose gives each role's password itself",
    "PLANWATCH_BI_HOST": "read by `planwatch bi start --foreground`: the superset service's",
    "PLANWATCH_BI_PORT": "read by `planwatch bi start --foreground`: the superset service's",
}

SECRET_NAME = re.compile(r"(PASSWORD|SECRET|SECRET_KEY|FERNET_KEY|_AUTH)$")
TOKEN = re.compile(r"\$\$|\$\{(?P<body>[^}]*)\}|\$(?P<bare>[A-Za-z_]\w*)")
BODY = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>.*))?", re.S)


# -- reading the files --------------------------------------------------------

def load_model() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture
def model() -> dict[str, Any]:
    return load_model()


def strings(node: Any):
    """Every string of a loaded compose file (keys and values; not its comments)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def interpolations(text: str) -> list[tuple[str, str | None, str | None]]:
    """(name, operator, argument) of each ``${...}``; ``$$`` is an escaped dollar."""
    found = []
    for match in TOKEN.finditer(text):
        if match.group(0) == "$$":
            continue
        assert match.group("bare") is None, f"write ${{{match.group('bare')}}}: {text!r}"
        body = BODY.fullmatch(match.group("body"))
        assert body, f"not an interpolation compose and this test both read: {text!r}"
        found.append((body["name"], body["op"], body["arg"]))
    return found


def resolve(text: str) -> str:
    """What compose makes of ``text`` with an empty environment and every required
    variable set: a required ``${VAR:?...}`` becomes ``~VAR~`` (URL-safe),
    ``${VAR:-d}`` ``d``."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        body = BODY.fullmatch(match.group("body") or "")
        assert body and body["op"], f"no default and not required: {match.group(0)}"
        return placeholder(body["name"]) if body["op"].endswith("?") else body["arg"]

    return TOKEN.sub(one, text)


def placeholder(name: str) -> str:
    return f"~{name}~"


def required(text: str) -> str | None:
    """The variable when ``text`` is exactly one required interpolation."""
    match = re.fullmatch(r"\$\{(\w+):\?[^}]+\}", text)
    return match.group(1) if match else None


BI = "superset"  # the dashboards (planwatch bi), on planwatch's image but no Airflow component


def image_services(model: dict[str, Any]) -> list[str]:
    """The Airflow services that run planwatch's image (built from the Dockerfile)."""
    return [name for name, svc in model["services"].items() if "build" in svc and name != BI]


def component_services(model: dict[str, Any]) -> list[str]:
    return [name for name in image_services(model) if name != INIT]


def service_of(component: str) -> str:
    """``api-server`` -> ``airflow-api-server``; ``worker-3`` -> ``airflow-worker``."""
    return "airflow-" + re.sub(r"-\d+$", "", component)


def dockerfile_env() -> dict[str, str]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(pair.split("=", 1) for pair in shlex.split(line[4:])))
    return env


def published(model: dict[str, Any], name: str) -> list[tuple[str | None, str, str]]:
    """(host ip, host port, container port) of each port a service publishes."""
    out = []
    for entry in model["services"][name].get("ports", []):
        if isinstance(entry, dict):
            out.append((entry.get("host_ip"), str(entry.get("published", "")),
                        str(entry["target"])))
            continue
        parts = resolve(str(entry)).split("/")[0].split(":")
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2]))
        else:  # CONTAINER or HOST:CONTAINER: every interface
            out.append((None, parts[0] if len(parts) == 2 else "", parts[-1]))
    return out


def split_command(args: list[str]) -> tuple[tuple[str, ...], dict[str, str | None]]:
    """Subcommand words, then ``--option value`` pairs (or flags)."""
    words: list[str] = []
    options: dict[str, str | None] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if eq:
                options[name], i = value, i + 1
            elif i + 1 < len(args) and not args[i + 1].startswith("--"):
                options[name], i = args[i + 1], i + 2
            else:
                options[name], i = None, i + 1
        else:
            assert not options, f"a word after the options: {args}"
            words.append(arg)
            i += 1
    return tuple(words), options


# -- the checks (functions, so that tests can show they fail) -----------------

def check_schema(model: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(model), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def check_healthchecks(model: dict[str, Any]) -> None:
    for name, svc in model["services"].items():
        check = svc.get("healthcheck") or {}
        test = check.get("test")
        assert test and not check.get("disable") and test not in (["NONE"], "NONE"), \
            f"{name} has no healthcheck"


def check_ports(model: dict[str, Any]) -> None:
    for name, svc in model["services"].items():
        assert svc.get("network_mode") != "host", name
        for host_ip, _, _ in published(model, name):
            assert host_ip == LOCALHOST, f"{name} publishes a port on {host_ip or 'every'} " \
                                         "interface, not 127.0.0.1"


def check_secrets(model: dict[str, Any]) -> None:
    """No default for a secret; no literal secret; every interpolation has a
    default or is required (compose never silently substitutes an empty value)."""
    for text in strings(model):
        for name, op, arg in interpolations(text):
            assert op in (":?", ":-"), f"${{{name}}} is neither required nor defaulted"
            if SECRET_NAME.search(name):
                assert op == ":?" and arg and arg.strip(), \
                    f"the secret {name} must be ${{{name}:?message}}"
        for url in re.findall(r"[a-z][a-z0-9+.-]*://[^\s'\"]+", resolve(text)):
            userinfo = url.split("://", 1)[1].rsplit("@", 1)
            if len(userinfo) == 2 and ":" in userinfo[0]:  # only ${VAR:?} resolves to ~VAR~
                password = userinfo[0].split(":", 1)[1]
                assert re.fullmatch(r"~\w+~", password), f"a literal password in {url}"
    for name, svc in model["services"].items():
        env = svc.get("environment") or {}
        assert isinstance(env, dict), f"{name}: environment as a mapping"
        for key, value in env.items():
            if SECRET_NAME.search(key):
                assert required(str(value)), f"{name}: {key} must be a ${{VAR:?message}}"
        command = svc.get("command") or []
        for option, value in zip(command, command[1:], strict=False):
            if isinstance(option, str) and "pass" in option:
                assert required(value), f"{name}: {option} must be a ${{VAR:?message}}"


def check_scalable_worker(model: dict[str, Any]) -> None:
    worker = model["services"]["airflow-worker"]
    for key in ("container_name", "hostname", "ports"):
        assert key not in worker, f"airflow-worker cannot scale with {key}"


def check_volumes(model: dict[str, Any]) -> None:
    declared = set(model.get("volumes") or {})

    def mounts(name: str) -> dict[str, str]:
        out = {}
        for entry in model["services"][name].get("volumes", []):
            source, target = (entry["source"], entry["target"]) if isinstance(entry, dict) \
                else str(entry).split(":")[:2]
            assert source in declared, f"{name}: {source} is not a named volume"
            out[target] = source
        return out

    pgdata = "/var/lib/postgresql/data"
    metadata, warehouse = mounts(METADATA_DB).get(pgdata), mounts(WAREHOUSE_DB).get(pgdata)
    assert metadata and warehouse and metadata != warehouse, \
        "Airflow's metadata and the warehouse need a named volume each"
    home = replace(load_settings(), home=Path(dockerfile_env()["PLANWATCH_HOME"]))
    wanted = [str(home.data_dir), str(home.inbox_dir), str(home.state_dir)]
    for name in image_services(model):
        found = mounts(name)
        assert all(found.get(target) for target in wanted), f"{name} lacks {wanted}"
        assert len({found[target] for target in wanted}) == 3, name
    assert len({metadata, warehouse, *(mounts(INIT)[t] for t in wanted)}) == 5


def check_components(model: dict[str, Any]) -> None:
    api_port = int(published(model, API)[0][2])
    wanted = service.components(api_port=api_port, celery_workers=3)
    assert {service_of(c.name) for c in wanted} == set(component_services(model)), \
        "the compose services and `planwatch serve`'s components differ"
    for component in wanted:
        name = re.sub(r"-\d+$", "", component.name)
        command = model["services"][service_of(component.name)]["command"]
        program = list(component.program)  # ``airflow``, or planwatch's launcher of it
        assert isinstance(command, list) and command[:len(program)] == program, command
        words, options = split_command(command[len(program):])
        local_words, local_options = split_command(list(component.args))
        assert words == local_words, (name, words, local_words)
        assert options.keys() == local_options.keys(), (name, options, local_options)
        for option, value in options.items():
            if (name, option) in COMMAND_EXCEPTIONS:
                assert COMMAND_EXCEPTIONS[name, option][1](value), (name, option, value)
            else:
                assert value == local_options[option], (name, option, value)


def reference_env(model: dict[str, Any], home: Path,
                  monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What ``planwatch serve --celery-workers N`` gives every component, pointed at
    the compose file's warehouse and broker, paths mapped into the image."""
    for key in list(os.environ):
        monkeypatch.delenv(key)  # airflow_env starts from the caller's environment
    given = {name: placeholder(name) for name in ROLE_PASSWORDS}
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    url = resolve(model["services"][INIT]["environment"]["WAREHOUSE_URL"])
    broker = resolve(model["x-airflow-common"]["environment"]["AIRFLOW__CELERY__BROKER_URL"])
    settings = replace(load_settings(), home=home, project_dir=REPO)
    api_port = int(published(model, API)[0][2])
    env = {**airflow_env(url, settings),
           **service.service_config(settings, url, api_port=api_port, executor=service.CELERY,
                                    broker_url=broker)}
    for name, value in given.items():  # passed through from the caller, not set by serve
        if env.get(name) == value:
            del env[name]
    image = dockerfile_env()
    paths = {str(home): image["PLANWATCH_HOME"], str(REPO): image["PLANWATCH_PROJECT_DIR"]}
    for key, value in env.items():
        for local, inside in paths.items():
            value = value.replace(local, inside)
        env[key] = value
    return env


def src_settings() -> dict[str, str | None]:
    """The PLANWATCH_* variables src/ reads, with their default where it has one."""
    found: dict[str, str | None] = {}
    pattern = re.compile(r"os\.environ(?:\.get\(|\[)\"(PLANWATCH_\w+)\"(?:,\s*\"([^\"]*)\")?")
    for path in Path(planwatch.__file__).parent.rglob("*.py"):
        for name, default in pattern.findall(path.read_text(encoding="utf-8")):
            found[name] = default or found.get(name)
    return found


def _metadata_url_ok(model: dict[str, Any], value: str, reference: str) -> bool:
    compose, local = make_url(resolve(value)), make_url(reference)
    db = model["services"][METADATA_DB]["environment"]
    return (compose.drivername == local.drivername and compose.database == local.database
            and compose.host == METADATA_DB and compose.username == db["POSTGRES_USER"]
            and compose.database == db["POSTGRES_DB"]
            and placeholder(required(db['POSTGRES_PASSWORD'])) == compose.password)


# Values that differ from `planwatch serve`'s, with the reason and the check of
# the compose value (model, raw compose value, reference value) -> bool.
VALUE_EXCEPTIONS: dict[str, tuple[str, Any]] = {
    "AIRFLOW__API__HOST": (
        "the api-server listens on every interface of its container (published on "
        "127.0.0.1 only)",
        lambda model, value, ref: value == "0.0.0.0"),
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (
        "workers reach the api-server by its service name, not on 127.0.0.1",
        lambda model, value, ref: value == ref.replace(LOCALHOST, API, 1)),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
        "Airflow's metadata is on a server of its own, the `postgres` service (as in "
        "Airflow's compose file), not beside the warehouse: the same driver and "
        "database, that service's user and password",
        _metadata_url_ok),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": (
        "the same as AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        lambda model, value, ref: value == model["x-airflow-common"]["environment"][
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]),
    "AIRFLOW__CELERY__RESULT_BACKEND": (
        "db+ the metadata database, which is on its own service",
        lambda model, value, ref: value == "db+" + model["x-airflow-common"]["environment"][
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]),
    "AIRFLOW__CORE__FERNET_KEY": (
        "from .env, not generated into .planwatch/airflow/secrets.json",
        lambda model, value, ref: required(value) is not None),
    "AIRFLOW__API_AUTH__JWT_SECRET": (
        "from .env, not generated into .planwatch/airflow/secrets.json",
        lambda model, value, ref: required(value) is not None),
    "AIRFLOW__API__SECRET_KEY": (
        "from .env, not generated into .planwatch/airflow/secrets.json",
        lambda model, value, ref: required(value) is not None),
}


def check_environment(model: dict[str, Any], reference: dict[str, str]) -> None:
    settings = src_settings()
    expected = set(reference) | (set(settings) - set(SRC_ONLY)) | set(COMPOSE_ONLY)
    assert not set(SRC_ONLY) & set(reference), "SRC_ONLY lists a variable serve sets"
    for name in image_services(model):
        env = model["services"][name]["environment"]
        wanted = expected | (set(INIT_ONLY) if name == INIT else set())
        assert not wanted - env.keys(), f"{name} lacks {sorted(wanted - env.keys())}"
        assert not env.keys() - wanted, f"{name} has undocumented {sorted(env.keys() - wanted)}"
        for key in reference:
            value = str(env[key])
            if key in VALUE_EXCEPTIONS:
                assert VALUE_EXCEPTIONS[key][1](model, value, reference[key]), (name, key)
            else:
                assert resolve(value) == reference[key], (name, key, value, reference[key])
        for key, default in settings.items():
            if key not in reference and key not in SRC_ONLY and default is not None:
                assert env[key] == f"${{{key}:-{default}}}", (name, key, env[key])


def check_services_wired(model: dict[str, Any]) -> None:
    """The warehouse URL, metadata database and broker point at their services,
    and the start order is airflow-init, then the api-server, then the workers."""
    services = model["services"]
    common = model["x-airflow-common"]["environment"]
    url = urlparse(resolve(services[INIT]["environment"]["WAREHOUSE_URL"]))
    db = services[WAREHOUSE_DB]["environment"]
    assert (url.hostname, url.username, url.path.lstrip("/")) == \
        (WAREHOUSE_DB, db["POSTGRES_USER"], db["POSTGRES_DB"])
    assert url.password == placeholder(required(db['POSTGRES_PASSWORD']))
    broker = urlparse(resolve(common["AIRFLOW__CELERY__BROKER_URL"]))
    command = services[BROKER]["command"]
    assert broker.hostname == BROKER
    assert broker.password == placeholder(required(command[command.index("--requirepass") + 1]))
    for key, value in common.items():  # the roles' connections: init sets those passwords
        if key.startswith("AIRFLOW_CONN_PLANWATCH_"):
            role = urlparse(resolve(value))
            assert role.hostname == WAREHOUSE_DB and role.path == url.path, key
            variable = str(role.password).strip("~")
            assert required(str(services[INIT]["environment"][variable])) == variable, key
    for name in component_services(model):
        depends = services[name]["depends_on"]
        for needed in (METADATA_DB, BROKER, WAREHOUSE_DB):
            assert depends[needed]["condition"] == "service_healthy", (name, needed)
        assert depends[INIT]["condition"] == "service_completed_successfully", name
    assert services["airflow-worker"]["depends_on"][API]["condition"] == "service_healthy"
    assert INIT not in services[INIT].get("depends_on", {})
    assert services[INIT]["restart"] == "no"


def check_init(model: dict[str, Any]) -> None:
    """airflow-init does what `planwatch serve start` does before the components:
    the admin's password, airflow db migrate, planwatch init, the dbt parse."""
    command = model["services"][INIT]["command"]
    assert command[:2] == ["sh", "-euc"], command
    script = command[2]
    steps = ["SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "airflow db migrate", "planwatch init",
             "parse_project("]
    positions = [script.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), (steps, positions)
    assert "from planwatch.orchestration.service import ADMIN" in script


# -- the tests ----------------------------------------------------------------

def test_the_file_is_valid_against_the_compose_specification(model) -> None:
    check_schema(model)


def test_docker_compose_config_accepts_the_file_and_refuses_it_without_secrets(
        model, tmp_path) -> None:
    docker = shutil.which("docker")
    plugin = docker and subprocess.run([docker, "compose", "version"],
                                       capture_output=True).returncode == 0
    if not plugin:
        pytest.skip("no `docker compose` here (the schema test stands in for it)")
    names = {n for text in strings(model) for n, op, _ in interpolations(text) if op == ":?"}
    empty = tmp_path / "empty.env"
    empty.write_text("")
    base = {k: os.environ[k] for k in ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG")
            if k in os.environ}
    args = [docker, "compose", "--env-file", str(empty), "-f", str(COMPOSE), "config", "-q"]
    ok = subprocess.run(args, env={**base, **{n: "x" for n in names}}, cwd=REPO,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run(args, env=base, cwd=REPO, capture_output=True, text=True)
    assert refused.returncode != 0 and "required variable" in refused.stderr, refused.stderr


def test_every_service_has_a_healthcheck(model) -> None:
    check_healthchecks(model)


def test_every_published_port_is_bound_to_localhost(model) -> None:
    check_ports(model)
    assert published(model, API) and published(model, API)[0][0] == LOCALHOST


def test_no_secret_has_a_default_or_a_literal_value(model) -> None:
    check_secrets(model)


def test_the_worker_scales(model) -> None:
    check_scalable_worker(model)


def test_the_warehouse_metadata_and_data_are_volumes(model) -> None:
    check_volumes(model)


def test_each_airflow_service_runs_the_command_planwatch_serve_runs(model) -> None:
    check_components(model)


def test_each_airflow_service_has_the_environment_planwatch_serve_gives(
        model, tmp_path, monkeypatch) -> None:
    check_environment(model, reference_env(model, tmp_path, monkeypatch))


def test_the_services_point_at_each_other_and_start_in_order(model) -> None:
    check_services_wired(model)


def test_airflow_init_prepares_what_serve_prepares(model) -> None:
    check_init(model)


def test_the_env_example_lists_every_variable_with_no_secret_in_it(model) -> None:
    used: dict[str, tuple[str, str]] = {}
    for text in strings(model):
        for name, op, arg in interpolations(text):
            assert used.setdefault(name, (op, arg if op == ":-" else ""))[0] == op, name
    required_vars = {name for name, (op, _) in used.items() if op == ":?"}
    optional = {name: default for name, (op, default) in used.items() if op == ":-"}
    listed, commented = {}, {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(.*)", line):
            listed[match[1]] = match[2]
        elif match := re.fullmatch(r"# ([A-Z_][A-Z0-9_]*)=(\S*)", line):
            commented[match[1]] = match[2]
    assert listed == dict.fromkeys(required_vars, ""), "required, and empty in the example"
    assert commented == optional, "optional, commented out with compose's default"


def test_the_dockerfile_installs_with_the_constraints_as_a_user_and_no_secret() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    joined = text.replace("\\\n", " ")
    instructions = [line.split(None, 1) for line in joined.splitlines()
                    if line.strip() and not line.startswith("#")]
    assert instructions[0][0] == "FROM"
    installs = [rest for op, rest in instructions if op == "RUN" and "pip install" in rest]
    main = [re.search(r"-c constraints\.txt \.(?:\s|$)([^&]*)", rest) for rest in installs]
    main = [found for found in main if found]
    assert main, "planwatch is installed with -c constraints.txt"
    extras = main[0].group(1).split()
    assert all("==" in word for word in extras), f"unpinned besides the constraints: {extras}"
    users = [rest.strip() for op, rest in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    uid = re.search(r"useradd\b.*--uid (\d+).*\b" + re.escape(users[-1]) + r"\b", joined)
    assert uid and int(uid.group(1)) != 0
    for op, rest in instructions:
        if op in ("ENV", "ARG"):
            for name in re.findall(r"(\w+)=", rest) or [rest.split("=")[0].strip()]:
                assert not SECRET_NAME.search(name), f"{op} {name} bakes a secret in"
        if op in ("COPY", "ADD"):
            assert ".env" not in rest, rest
    ignored = DOCKERIGNORE.read_text(encoding="utf-8").split()
    for entry in (".env", ".env.*", ".planwatch", "data", ".venv"):
        assert entry in ignored, f".dockerignore lacks {entry}"


def test_the_role_passwords_are_those_planwatch_init_reads() -> None:
    from planwatch.warehouse.roles import ROLES

    assert ROLE_PASSWORDS == [f"PLANWATCH_{role.upper()}_PASSWORD" for role in ROLES]


def test_the_paths_the_image_sets_are_those_compose_uses(model) -> None:
    image = dockerfile_env()
    common = model["x-airflow-common"]["environment"]
    assert common["PLANWATCH_HOME"] == image["PLANWATCH_HOME"]
    assert common["PLANWATCH_PROJECT_DIR"] == image["PLANWATCH_PROJECT_DIR"]


# -- the checks fail when the file drifts -------------------------------------

def _without_service(model: dict[str, Any], name: str) -> dict[str, Any]:
    changed = copy.deepcopy(model)
    del changed["services"][name]
    return changed


def _edited(model: dict[str, Any], edit) -> dict[str, Any]:
    changed = copy.deepcopy(model)
    edit(changed["services"])
    return changed


@pytest.mark.parametrize("drift", [
    lambda m: _without_service(m, "airflow-triggerer"),
    lambda m: _edited(m, lambda s: s["airflow-scheduler"].update(
        command=[*service.LAUNCHER, "scheduler", "--num-runs", "1"])),
    lambda m: _edited(m, lambda s: s["airflow-scheduler"].update(
        command=["airflow", "scheduler"])),  # not through the launcher
    lambda m: _edited(m, lambda s: s["airflow-dag-processor"].update(
        command=["airflow", "dag-processor", "--bundle-name", "x"])),
    lambda m: _edited(m, lambda s: s["airflow-worker"].update(
        command=[*service.LAUNCHER, "celery", "worker", "--celery-hostname", "worker@%h",
                 "--concurrency", "8"])),  # an option serve does not give
    lambda m: _edited(m, lambda s: s.update(
        {"airflow-flower": {**s["airflow-triggerer"], "command": ["airflow", "celery",
                                                                  "flower"]}})),
], ids=["no triggerer", "scheduler option", "scheduler program", "dag-processor option",
        "worker option", "extra component"])
def test_the_component_check_fails_on_drift(model, drift) -> None:
    with pytest.raises(AssertionError):
        check_components(drift(model))


def test_the_environment_check_fails_on_drift(model, tmp_path, monkeypatch) -> None:
    reference = reference_env(model, tmp_path, monkeypatch)
    for edit in (
        lambda env: env.pop("AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"),
        lambda env: env.update(AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="60"),
        lambda env: env.update(AIRFLOW__CORE__FERNET_KEY="${AIRFLOW_FERNET_KEY:-x}"),
        lambda env: env.update(PLANWATCH_EXTRA="1"),
        lambda env: env.update(PLANWATCH_DEADLINE_DAY="${PLANWATCH_DEADLINE_DAY:-15}"),
    ):
        changed = _edited(model, lambda s, edit=edit: edit(s["airflow-worker"]["environment"]))
        with pytest.raises(AssertionError):
            check_environment(changed, reference)


@pytest.mark.parametrize("check, edit", [
    (check_secrets, lambda s: s["postgres"]["environment"].update(POSTGRES_PASSWORD="airflow")),
    (check_secrets, lambda s: s["airflow-worker"]["environment"].update(
        AIRFLOW_CONN_PLANWATCH_LOADER="postgresql://planwatch_loader:x1@warehouse/planwatch")),
    (check_secrets, lambda s: s["warehouse"]["environment"].update(
        POSTGRES_PASSWORD="${WAREHOUSE_DB_PASSWORD:-changeme}")),
    (check_ports, lambda s: s["airflow-api-server"].update(ports=["8080:8080"])),
    (check_healthchecks, lambda s: s["redis"].pop("healthcheck")),
    (check_scalable_worker, lambda s: s["airflow-worker"].update(container_name="worker")),
    (check_volumes, lambda s: s["warehouse"].update(volumes=["airflow-metadata:"
                                                             "/var/lib/postgresql/data"])),
    (check_init, lambda s: s["airflow-init"]["command"].__setitem__(
        2, s["airflow-init"]["command"][2].replace("planwatch init", "true"))),
], ids=["literal password", "password in a URL", "default password",
        "port on every interface", "no healthcheck", "container_name on the worker",
        "one volume for two databases", "init skips init"])
def test_the_other_checks_fail_on_drift(model, check, edit) -> None:
    with pytest.raises(AssertionError):
        check(_edited(model, edit))


def test_superset_runs_what_planwatch_bi_runs_as_the_bi_reader(model) -> None:
    """The superset service: ``planwatch bi start`` in the foreground, its port on
    127.0.0.1, connected as the BI reader (no owner's password in it), its
    secrets from .env, its state on a volume of its own."""
    service = model["services"][BI]
    assert service["command"] == ["planwatch", "bi", "start", "--foreground"]
    env = service["environment"]
    owner = urlparse(str(env["WAREHOUSE_URL"]))
    assert owner.hostname == WAREHOUSE_DB and owner.password is None
    for variable in ("PLANWATCH_BI_READER_PASSWORD", "PLANWATCH_SUPERSET_SECRET_KEY",
                     "PLANWATCH_SUPERSET_ADMIN_PASSWORD"):
        assert required(str(env[variable])) == variable
    [port] = service["ports"]
    assert str(port).startswith("127.0.0.1:") and str(port).endswith(":" + env["PLANWATCH_BI_PORT"])
    [volume] = service["volumes"]
    assert volume.split(":")[0] in model["volumes"]
    assert volume.split(":")[1] == "/srv/planwatch/.planwatch/superset"
    assert service["depends_on"]["warehouse"]["condition"] == "service_healthy"
