"""Plan actions: the only writers of management plans, their waste lines and reduction
measures, and of declarations (申报, ``declarations``). Each takes the acting user first,
checks permission and state, runs in one transaction with the plan row locked and writes its audit event there (line changes are
recorded on the plan, so the plan's timeline shows them)."""

from .completeness import Problem, completeness
from .declarations import (
    confirm_declaration,
    generate_declaration,
    generate_due,
    revise_declaration,
)
from .lines import (
    add_plan_reduction,
    add_plan_waste,
    remove_plan_reduction,
    remove_plan_waste,
    update_plan_waste,
)
from .plans import amend_plan, create_plan, file_plan, update_plan

__all__ = [
    "Problem",
    "add_plan_reduction",
    "add_plan_waste",
    "amend_plan",
    "completeness",
    "confirm_declaration",
    "create_plan",
    "file_plan",
    "generate_declaration",
    "generate_due",
    "remove_plan_reduction",
    "remove_plan_waste",
    "revise_declaration",
    "update_plan",
    "update_plan_waste",
]
