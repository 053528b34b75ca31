"""The flow that takes each received file through ingest, quality, the
warehouse and reporting."""
