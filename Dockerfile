# planwatch's image for docker-compose.yml: every Airflow service (api-server,
# scheduler, dag-processor, triggerer, celery worker, airflow-init) runs it.
#
# - planwatch and its dependencies installed with the pins of constraints.txt
#   (the same command as `make install`, without the dev extra);
# - the source tree the package reads at run time (dags/, dbt_project/,
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
# constraints.txt pins, then the package with every pin of constraints.txt.
COPY pyproject.toml constraints.txt README.md ./
COPY src/ src/
# The Celery executor's packages are not in constraints.txt (pyproject has no
# celery extra yet): pinned here at the versions `planwatch serve
# --celery-workers` is tested with.
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install -c constraints.txt uv \
    && uv pip install --python "$VIRTUAL_ENV/bin/python" --no-cache -c constraints.txt . \
        apache-airflow-providers-celery==3.26.0 \
        celery==5.6.3 kombu==5.6.2 billiard==4.3.2 amqp==5.4.2 vine==5.1.0 redis==6.4.0 \
        flower==2.2.0 tornado==6.6.1 humanize==4.17.0 prometheus-client==0.26.0 \
        click-didyoumean==0.3.1 click-plugins==1.1.1.2 click-repl==0.4.1 \
        prompt-toolkit==3.0.53 wcwidth==0.9.4 \
    && rm -rf build src/*.egg-info

# What planwatch reads from its project folder at run time.
COPY dags/ dags/
COPY dbt_project/ dbt_project/
COPY expectations/ expectations/

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
