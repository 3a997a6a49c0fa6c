"""Schema evolution: whether a new version of a schema accepts what the old one accepts
(backward) and the reverse (forward), with counterexamples verified by the real engines.

Work in progress for issue 14: the modules below are the building blocks; the public API
(`compare`, the result model, `nif compat`) comes with them.
"""

__all__: list[str] = []
