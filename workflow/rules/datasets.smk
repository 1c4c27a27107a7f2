# Rules for the datasets part of the DAG (filled in by its issue).
