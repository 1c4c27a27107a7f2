# Rules for the defectal part of the DAG (filled in by its issue).
