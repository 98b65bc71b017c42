"""Core: the schema, the territory, the scenario, the cost model, the law and the result.

Plain data and plain functions; nothing here solves, renders or reads files
(except scenario YAML). Every other stage depends on this one.
"""
