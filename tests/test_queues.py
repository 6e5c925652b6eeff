"""The inbox, the outbox, leases and cross-worker caches — on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from nianbao.runtime.leases import DatabaseInUse, Leases, SingleProcessLock
from nianbao.workflow.router import parse_command
from nianbao.workflow.storage import Effect, Role, Store

NOW = datetime(2025, 1, 10, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'q.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(url):
    store = Store.open(url)
    yield store
    store.close()


def item(update_id: int, chat: int = 5) -> tuple[str, str, str, str]:
    return "telegram", str(update_id), f"telegram:{chat}", f'{{"update_id": {update_id}}}'


def test_an_update_delivered_again_is_received_once(store):
    assert store.receive([item(1), item(2)], NOW) == 2
    assert store.receive([item(2), item(1), item(3)], NOW) == 1
    assert store.pending_chats() == ["telegram:5"]


def test_updates_of_a_chat_come_in_order_and_each_is_processed_once(store):
    store.receive([item(7, chat=1), item(3, chat=2), item(8, chat=1)], NOW)
    seen = []
    for chat in ("telegram:1", "telegram:2", "telegram:1"):
        with store.unit_of_work():
            assert store.claim_chat(chat)
            row = store.next_update(chat)
            seen.append(row.external_id)
            store.mark_processed(row.id, "ok", NOW)
    assert seen == ["7", "3", "8"] and store.pending_chats() == []
    with pytest.raises(RuntimeError), store.unit_of_work():
        store.mark_processed(1, "ok", NOW)  # twice: the unit of work rolls back


def test_what_a_unit_of_work_wrote_is_gone_when_it_fails(store):
    store.receive([item(1)], NOW)
    with pytest.raises(ZeroDivisionError), store.unit_of_work():
        row = store.next_update("telegram:5")
        store.enqueue([Effect("telegram:5", "message", {"text": "回复"})], NOW)
        store.mark_processed(row.id, "ok", NOW)
        1 / 0
    assert store.pending_chats() == ["telegram:5"] and store.pending_lanes() == []


def test_a_jobs_results_take_its_place_in_the_lane(store):
    store.enqueue([Effect("telegram:5", "message", {"n": 1}), Effect("telegram:5", "job", {"n": 2})], NOW)
    store.enqueue([Effect("telegram:5", "message", {"n": 4})], NOW)  # queued while the job waits
    first = store.next_effect("telegram:5")
    store.delivered(first.id, NOW)
    job = store.next_effect("telegram:5")
    assert job.kind == "job"
    store.finish_job(job, [Effect("telegram:5", "document", {"n": 3}, b"docx")], NOW)
    order = []
    while (entry := store.next_effect("telegram:5")) is not None:
        order.append(entry.payload["n"])
        store.delivered(entry.id, NOW)
    assert order == [3, 4] and store.idle()


def test_caches_follow_another_workers_changes(url):
    one, two = Store.open(url), Store.open(url)
    try:
        with one.unit_of_work():
            assert one.roles_of(77) == []       # cached by worker one
        two.grant(77, "托里县", Role.REVIEWER, by=1, now=NOW)  # worker two changes it
        with one.unit_of_work():
            assert one.roles_of(77) == [("托里县", Role.REVIEWER)]
    finally:
        one.close()
        two.close()


def test_on_postgresql_a_chat_and_a_lease_are_held_by_one_worker_at_a_time(pg_url):
    one, two = Store.open(pg_url), Store.open(pg_url)
    try:
        one.receive([item(1)], NOW)
        inside, release = threading.Event(), threading.Event()

        def hold_the_chat():
            with one.unit_of_work():
                assert one.claim_chat("telegram:5")
                inside.set()
                release.wait(10)

        holder = threading.Thread(target=hold_the_chat)
        holder.start()
        assert inside.wait(10)
        with two.unit_of_work():
            assert not two.claim_chat("telegram:5")  # the other worker has it
        release.set()
        holder.join()
        with two.unit_of_work():
            assert two.claim_chat("telegram:5")      # released by the commit

        lease = Leases(one.engine).try_hold("telegram:getUpdates")
        assert lease is not None and Leases(two.engine).try_hold("telegram:getUpdates") is None
        lease.release()
        again = Leases(two.engine).try_hold("telegram:getUpdates")
        assert again is not None
        again.release()
    finally:
        one.close()
        two.close()


def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.sqlite'}"
    first, second = SingleProcessLock(url), SingleProcessLock(url)
    first.acquire()
    with pytest.raises(DatabaseInUse):
        second.acquire()
    first.release()
    second.acquire()
    second.release()
    SingleProcessLock("sqlite://").acquire()  # in memory: nothing to share


@pytest.mark.parametrize("text, expected", [
    ("/edit 3", ("edit", ["3"], "")),
    ("/START@nianbao_test_bot ABCD EFGH", ("start", ["ABCD", "EFGH"], "")),
    ("/set_prompt organ\n新的问题", ("set_prompt", ["organ"], "新的问题")),
])
def test_commands_are_read_for_this_bot(text, expected):
    command = parse_command(text, "nianbao_test_bot")
    assert (command.name, command.words, command.body) == expected


@pytest.mark.parametrize("text", ["/start@other_bot", "托里县", "/", " /edit"])
def test_what_is_not_a_command_for_this_bot(text):
    assert parse_command(text, "nianbao_test_bot") is None
