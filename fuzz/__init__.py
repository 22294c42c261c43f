"""The schemathesis run over the whole API (``make fuzz``): see ``fuzz/run.py``."""
