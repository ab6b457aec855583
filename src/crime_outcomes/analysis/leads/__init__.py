"""Leads: the findings worth a story across every force, outcome selection and offence, ranked.

``leads()`` (``find``) computes them; ``model`` holds the typed results and their JSON.
"""

from __future__ import annotations

from crime_outcomes.analysis.leads.find import DEFAULT_OUTCOMES, leads
from crime_outcomes.analysis.leads.model import KINDS, SCORE_FORMULA, Lead, LeadSet, NotLead, lead_key

__all__ = ["DEFAULT_OUTCOMES", "KINDS", "SCORE_FORMULA", "Lead", "LeadSet", "NotLead", "lead_key", "leads"]
