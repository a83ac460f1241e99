"""Other datasets in and out: UCDP GED (and, in time, ACLED) rows become
incidents, claims and reports through one import service (`load`)."""
