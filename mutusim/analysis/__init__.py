"""Analysis: functions that take a Result and return tables (roadmap, Shapley, votes, prices)."""
