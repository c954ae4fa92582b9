"""Pure computation: fidelity scores, engagement metrics, statistics. No Flask, no database."""
