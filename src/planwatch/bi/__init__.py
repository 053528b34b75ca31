"""Dashboards: Superset run over the marts as the BI reader (``planwatch bi``)."""
