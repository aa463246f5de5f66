"""SQLite connections are pooled; a pooled connection must never carry a writer's lock into a read."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, text

from hirebridge.store.db import make_engine, read_tx, write_tx


def _insert_beside(engine: Engine) -> bool:
    """Write a row from another thread while the caller holds a transaction; whether it got through."""
    done = threading.Event()

    def write() -> None:
        with write_tx(engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        done.set()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    # A writer blocked by our transaction would wait the whole busy_timeout (30 s); 10 s is plenty
    # for one insert on an idle file.
    thread.join(10)
    return done.is_set()


def test_a_read_on_a_connection_that_wrote_does_not_block_writers(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    with write_tx(engine) as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    # The pool holds one connection, the one that just wrote: this read gets it, and must begin a
    # plain (shared) transaction, not the writer's BEGIN IMMEDIATE.
    with read_tx(engine) as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
        assert _insert_beside(engine)
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0  # its snapshot
    engine.dispose()


def test_a_reader_beside_an_open_writer_is_not_blocked(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    with write_tx(engine) as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    seen: list[int] = []
    with write_tx(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))

        def read() -> None:
            with read_tx(engine) as reader:
                seen.append(reader.execute(text("SELECT count(*) FROM t")).scalar_one())

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(10)
    assert seen == [0]  # WAL: the reader sees the last committed state, without waiting
    engine.dispose()
