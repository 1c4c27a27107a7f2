# Rules for the paper004 part of the DAG (filled in by its issue).
