"""Unit conversions."""
__version__ = "0.3.1"

FACTORS = {("km", "mi"): 0.621371, ("mi", "km"): 1.609344, ("kg", "lb"): 2.204623, ("lb", "kg"): 0.453592}


def convert(value, unit, to):
    if unit == to:
        return value
    return round(value * FACTORS[(unit, to)], 3)
