# Rules for the abinitio part of the DAG (filled in by its issue).
