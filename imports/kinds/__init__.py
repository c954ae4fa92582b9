"""The import kinds: declared as data, each record checked against what the agency holds, then written in bulk."""
