# planwatch's image for docker-compose.yml: every Airflow service (api-server,
# scheduler, dag-processor, triggerer, celery worker, airflow-init) runs it.
#
# - planwatch and its dependencies installed with the pins of constraints.txt
#   (the same command as `make install`, without the dev extra);
# - the source tree the package reads at run time (dags/, dbt_project/, catalog/,
#   expectations/) under PLANWATCH_PROJECT_DIR=/opt/planwatch, owned by root;
# - data/ and .planwatch/ under PLANWATCH_HOME=/srv/planwatch, owned by the
#   unprivileged user `planwatch` (UID 50000, group 0, as in Airflow's image),
#   so that the named volumes compose mounts there start with that owner;
# - no secret: they reach the containers at run time from .env, through
#   docker-compose.yml (docs/deploy-compose.md).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PLANWATCH_PROJECT_DIR=/opt/planwatch \
    PLANWATCH_HOME=/srv/planwatch

WORKDIR /opt/planwatch

# Dependencies first (a layer that survives source changes): uv at the version
# constraints.txt pins, then the package (the Celery provider among its
# dependencies) with every pin of constraints.txt, compiled to bytecode once here:
# with PYTHONDONTWRITEBYTECODE every process would otherwise compile what it
# imports, each time (importing Great Expectations: 9 s -> 4 s).
COPY pyproject.toml constraints.txt README.md ./
COPY src/ src/
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install -c constraints.txt uv \
    && uv pip install --compile-bytecode --python "$VIRTUAL_ENV/bin/python" --no-cache -c constraints.txt . \
    && rm -rf build src/*.egg-info

# What planwatch reads from its project folder at run time.
COPY dags/ dags/
COPY dbt_project/ dbt_project/
COPY catalog/ catalog/
COPY expectations/ expectations/
COPY bi/ bi/

# The user, and the folders it writes: GX creates its store folders under
# expectations/gx when it loads the context; dbt may write logs/ and target/
# beside its project.
RUN useradd --uid 50000 --gid 0 --home-dir /srv/planwatch --no-create-home \
        --shell /usr/sbin/nologin planwatch \
    && mkdir -p expectations/gx/checkpoints expectations/gx/validation_definitions \
        expectations/gx/uncommitted \
    && chown -R planwatch:0 expectations/gx dbt_project \
    && mkdir -p /srv/planwatch/data/inbox /srv/planwatch/.planwatch/airflow \
    && chown -R planwatch:0 /srv/planwatch \
    && chmod -R g+rwX /srv/planwatch

USER planwatch
WORKDIR /srv/planwatch

CMD ["planwatch", "--help"]
