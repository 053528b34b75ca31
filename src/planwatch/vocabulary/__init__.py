"""The words every room of planwatch shares, each written once.

* ``templates`` — the three submission templates, column by column: the one spec
  that header matching, the raw tables, the workbook templates, the demo writer,
  the GX column rules and the docs are derived from;
* ``statuses`` — task, data, submission and capital-source vocabularies, with
  the Vietnamese labels agencies and auditors read (dbt gets them as seeds);
* ``problems`` — ``Problem``, one thing wrong with a file, told to a clerk;
* ``parsed`` — what parsing a file produces, for the checks and the loader;
* ``periods`` — reporting periods (``YYYY-MM``) and how files write them;
* ``calendar`` — working days and each period's deadline (dbt gets it as a seed).

Nothing here imports another planwatch room.
"""
