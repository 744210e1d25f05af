"""The Strong Cities practice hub: a knowledge graph of city-led prevention practice."""

__version__ = "0.1.0"
