# Rules for the scdft part of the DAG (filled in by its issue).
