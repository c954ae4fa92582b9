"""A realistic synthetic state, built from one seeded module that the tests use too."""
