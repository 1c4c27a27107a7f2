# Rules for the eliashberg part of the DAG (filled in by its issue).
