"""Decide: pure. An inspection report and the rules in, a decision with its reasons out."""
