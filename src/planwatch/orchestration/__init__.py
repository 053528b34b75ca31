"""What the Airflow DAGs call: thin DAG files, logic here."""
