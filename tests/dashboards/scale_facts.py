"""Scale facts for the figure builders' tests, as catalog.headline_facts() gives them."""

# The shipped IMR Fidelity Scale's facts.
IMR = {"key": "imr_fidelity", "version": "3-24-05", "title": "IMR Fidelity Scale", "rating_range": [1, 5],
       "high_band": "high", "high_from": 4.0, "earlier_bands": [],
       "bands": [{"key": "low", "label": "Low fidelity", "from": 1.0, "to": 3.0},
                 {"key": "moderate", "label": "Moderate fidelity", "from": 3.0, "to": 4.0},
                 {"key": "high", "label": "High fidelity", "from": 4.0, "to": 5.0}]}
