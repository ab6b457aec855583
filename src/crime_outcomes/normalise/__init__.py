"""Normalisation: published headers, force names, offence codes, outcome types, markers.

Each value is cast by rules written down here, and any value that does not fit is
reported with its row and column rather than guessed.
"""
