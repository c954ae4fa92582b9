"""The dashboard bench's SQL clock: each clock counts a statement once, and leaves the engine and collect as found."""
from sqlalchemy import create_engine, text

from bench.dashboard_bench import SqlClock
from dashboards import alongside


def test_a_second_clock_in_one_process_counts_each_statement_once_and_puts_collect_back():
    engine = create_engine("sqlite://")
    collect = alongside._Sent.collect
    for _ in range(2):
        with SqlClock(engine) as clock, engine.connect() as connection:
            connection.execute(text("select 1"))
            connection.execute(text("select 2"))
            assert clock.count == 2 and clock.total > 0
            assert alongside._Sent.collect is not collect  # timed while the clock runs
        assert alongside._Sent.collect is collect
    with engine.connect() as connection:
        connection.execute(text("select 3"))
    assert clock.count == 2  # a closed clock hears nothing more
