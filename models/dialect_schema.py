"""Schema items declared for one database only (`Index(...).ddl_if(dialect="sqlite")`): SQLAlchemy creates them
only there, and Alembic's comparison of the models with a database (autogenerate, tests/test_migrations.py) must
leave them out elsewhere too, which it does not know to do by itself."""


def include_object(dialect_name):
    """An Alembic include_object hook for a database of this dialect: False for a declared index meant for others."""
    def include(item, name, type_, reflected, compare_to):
        only = getattr(item, "_ddl_if", None) if type_ == "index" and not reflected else None
        if only is None or only.dialect is None:
            return True
        return dialect_name == only.dialect if isinstance(only.dialect, str) else dialect_name in only.dialect
    return include
