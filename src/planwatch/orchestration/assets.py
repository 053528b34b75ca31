"""Assets shared between DAGs: an update of one schedules the other."""

from airflow.sdk import Asset

# Rows landed in raw.* / audit.submissions for some agency-month.
RAW_SUBMISSIONS = Asset(name="planwatch_raw_submissions", uri="planwatch://warehouse/raw")
