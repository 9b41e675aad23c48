"""The checks behind the trust evidence (:func:`nnwidgets.engine.trust_report`), one
module each: integrated gradients' completeness, rank agreement, model
randomization, deletion; their plain-English lines live together in ``sentences``."""
