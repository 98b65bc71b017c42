"""Model: the MILP (rules, build, HiGHS bridge, solve), the independent checker, explanations.

``build → solve → check → Result`` (:func:`mutusim.model.pipeline.optimise`).
"""
