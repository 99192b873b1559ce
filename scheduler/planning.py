"""Only for storage/importer.py until it moves (branch imp): the rules are casework.planning."""

from casework.planning import PlanningRules, replan_appointment, replan_deadlines, replan_task

__all__ = ["PlanningRules", "replan_appointment", "replan_deadlines", "replan_task"]
