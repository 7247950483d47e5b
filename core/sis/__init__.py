"""The SIS import method: logins.csv from the plan (:mod:`.export`), the run strategy that
sends it and waits (:mod:`.method`), mapping Canvas's warnings to rows
(:mod:`.import_warnings`) and reading the new logins back (:mod:`.readback`)."""
