"""The month's rota (排班): who staffs which window in which session on each day of a month.

What each session of each day needs (``needs.py``: one post per window it staffs, or fewer where a staffing plan
says so), the rules a rota must keep, checked as a pure function of the rota (``rules.py``: coverage by qualified
clerks, at most six days in a row, a rest day after weekend or holiday duty, approved time off, weekly contracted
hours, and evening, weekend and holiday duty spread within one of the mean), why a post nobody could take stays
open (``reasons.py``), and the CP-SAT model that makes a rota keeping them (``solver.py``, OR-Tools). Pure like the
core: no Redis, no web, no clock; it imports the core only, and the store and the web edge import it.
"""
