"""Neutra: the climate-neutrality cycle of an organisation.

Count the GHG footprint, reduce it, offset the residual, claim and communicate.
"""

__version__ = "0.1.0"
