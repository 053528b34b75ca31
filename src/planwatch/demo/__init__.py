"""The demo: a deterministic year of agency submissions for a plan of the
catalog, and the runner that takes it through Airflow (``planwatch run``)."""
