"""外省人员: the out-of-province learners' page, where their SMS login lands."""
