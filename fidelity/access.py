"""Who may use the fidelity pages and API: state staff rate; readers also include the agencies' managers.

Which agency's visits a reader sees is decided in queries.py and auth/access.py.
"""
STATE = ("admin", "trainer")
READERS = ("admin", "trainer", "manager")
