"""Websocket /ws/jobs/<id>/: state on connect, live events, refusals."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from ranking import consumers, events
from ranking.models import Job
from tests.jobdata import make_done_job, make_job
from tests.sockets import job_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_owner_gets_the_state_then_live_events(alice, alice_client):
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    communicator = job_socket(job.pk, alice_client)
    connected, _ = await communicator.connect()
    assert connected
    state = await communicator.receive_json_from()
    assert (state["type"], state["id"], state["status"]) == ("state", job.pk, "running")

    progress = {"type": "progress", "stage": "generating", "progress": {"tokens": [3, 4]}}
    await sync_to_async(events.publish)(job.pk, progress)
    assert await communicator.receive_json_from() == {**progress, "job": job.pk}

    candidate = {"type": "candidate", "index": 0, "node_list": "[1, 1, 1]", "svg": "<svg/>"}
    await sync_to_async(events.publish)(job.pk, candidate)
    assert (await communicator.receive_json_from())["index"] == 0

    await sync_to_async(events.publish)(job.pk, {"type": "done", "status": "done"})
    assert (await communicator.receive_json_from())["type"] == "done"
    await communicator.disconnect()


async def test_events_from_a_plain_worker_thread_arrive(alice, alice_client):
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    communicator = job_socket(job.pk, alice_client)
    await communicator.connect()
    await communicator.receive_json_from()
    worker = threading.Thread(
        target=events.publish, args=(job.pk, {"type": "error", "error": "model missing"})
    )
    worker.start()
    event = await communicator.receive_json_from(timeout=5)
    worker.join()
    assert event == {"type": "error", "error": "model missing", "job": job.pk}
    await communicator.disconnect()


async def test_a_late_join_gets_everything_so_far(alice, alice_client):
    progress = {
        "count": 3,
        "tokens": [20, 31, 12],
        "finished": 2,
        "candidates": [
            {"index": 0, "node_list": "[1, 10, 10, 'circle', 5, 5]", "plan": "", "svg": "<svg/>"},
            {"index": 2, "node_list": "[1, 20, 20, 'circle', 5, 5]", "plan": "", "svg": "<svg/>"},
        ],
    }
    job = await database_sync_to_async(make_job)(
        alice, status=Job.Status.RUNNING, stage="generating", progress=progress
    )
    communicator = job_socket(job.pk, alice_client)
    await communicator.connect()
    state = await communicator.receive_json_from()
    assert state["stage"] == "generating"
    assert state["progress"] == progress
    await communicator.disconnect()


async def test_a_late_join_to_a_finished_job_gets_the_ranked_diagrams(alice, alice_client):
    job, diagrams = await database_sync_to_async(make_done_job)(alice, n=3)
    communicator = job_socket(job.pk, alice_client)
    await communicator.connect()
    state = await communicator.receive_json_from()
    assert state["status"] == "done"
    assert [row["id"] for row in state["diagrams"]] == [d.pk for d in diagrams]
    assert state["diagrams"][0]["svg_url"] == f"/api/diagrams/{diagrams[0].pk}/svg/"
    await communicator.disconnect()


async def test_anonymous_users_are_refused(alice, client):
    job = await database_sync_to_async(make_job)(alice)
    connected, code = await job_socket(job.pk).connect()
    assert (connected, code) == (False, 4401)


async def test_another_user_is_refused(alice, bob_client):
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    communicator = job_socket(job.pk, bob_client)
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4404)


async def test_a_missing_job_is_refused(alice_client):
    connected, code = await job_socket(424242, alice_client).connect()
    assert (connected, code) == (False, 4404)


async def test_a_foreign_origin_is_refused(alice, alice_client):
    job = await database_sync_to_async(make_job)(alice)
    connected, _ = await job_socket(job.pk, alice_client, origin=b"http://evil.example").connect()
    assert not connected


def test_the_handshake_checks_the_owner_and_reads_the_state_in_one_query(
    alice, bob, django_assert_num_queries
):
    job = make_job(alice, status=Job.Status.RUNNING)
    with django_assert_num_queries(1):
        refusal, state = consumers.handshake(alice, job.pk)
    assert (refusal, state["id"], state["status"]) == (None, job.pk, "running")
    with django_assert_num_queries(1):
        assert consumers.handshake(bob, job.pk) == (consumers.CLOSE_NOT_FOUND, None)


async def test_a_handshake_does_not_queue_on_the_shared_database_thread(alice, alice_client):
    # Every thread-sensitive call of every socket shares one thread; under a
    # burst, handshakes queued there outlived daphne's handshake timeout.
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    release = threading.Event()
    blocker = asyncio.ensure_future(sync_to_async(release.wait, thread_sensitive=True)())
    try:
        communicator = job_socket(job.pk, alice_client)
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        assert (await communicator.receive_json_from(timeout=10))["status"] == "running"
        await communicator.disconnect()
    finally:
        release.set()
        await blocker


async def test_a_refused_socket_forwards_nothing_sent_while_it_was_checked(
    alice, bob_client, monkeypatch
):
    # The group is joined before the check (so an owner misses no event):
    # an event that arrives meanwhile must not reach someone else's socket.
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    real = consumers.JobConsumer.read_handshake

    async def event_during_the_check(user, job_id):
        await get_channel_layer().group_send(
            events.group_name(job.pk), {"type": "progress", "stage": "generating", "job": job.pk}
        )
        return await real(user, job_id)

    monkeypatch.setattr(
        consumers.JobConsumer, "read_handshake", staticmethod(event_during_the_check)
    )
    communicator = job_socket(job.pk, bob_client)
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4404)
    assert await communicator.receive_nothing(timeout=0.5)
    assert events.group_name(job.pk) not in get_channel_layer().groups


async def test_a_cancelled_socket_leaves_the_job_group(alice, alice_client):
    # daphne cancels an instance that outlives its socket (a handshake still
    # waiting, say); disconnect() never runs then.
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    communicator = job_socket(job.pk, alice_client)
    await communicator.connect()
    await communicator.receive_json_from()
    group = events.group_name(job.pk)
    assert len(get_channel_layer().groups[group]) == 1
    communicator.future.cancel()
    with pytest.raises(asyncio.CancelledError):
        await communicator.future
    assert group not in get_channel_layer().groups


async def test_it_answers_ping_and_reports_unknown_messages(alice, alice_client):
    job = await database_sync_to_async(make_job)(alice)
    communicator = job_socket(job.pk, alice_client)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.send_json_to({"type": "cancel"})
    assert (await communicator.receive_json_from())["type"] == "error"
    assert (await communicator.receive_output())["code"] == 4400


async def test_the_owner_follows_a_real_job_from_state_to_done(
    alice, alice_client, settings, tmp_path
):
    from ranking import engines, runner
    from ranking.models import LLMConfig, ScorerVersion
    from ranking.seed import seed_defaults
    from tests.tiny_scorer import register_tiny_scorer

    settings.JOB_GENERATOR_FACTORY = "tests.fake_generator.build"
    # A transactional test starts from flushed tables: register the models again.
    await database_sync_to_async(seed_defaults)(LLMConfig, ScorerVersion)
    await database_sync_to_async(register_tiny_scorer)(tmp_path)
    engines.clear_cache()
    job = await database_sync_to_async(make_job)(
        alice, status=Job.Status.QUEUED, count=3, recommend=2
    )
    communicator = job_socket(job.pk, alice_client)
    await communicator.connect()
    assert (await communicator.receive_json_from())["status"] == "queued"

    # The worker runs in another thread, as in the embedded runtime.
    outcome = await database_sync_to_async(runner.run_job)(job.pk)
    assert outcome == "done"
    received = []
    while not received or received[-1]["type"] != "done":
        received.append(await communicator.receive_json_from(timeout=5))
    kinds = [message["type"] for message in received]
    assert "progress" in kinds
    live = [m for m in received if m["type"] == "candidate"]
    assert sorted(m["index"] for m in live) == [0, 1, 2]
    # Each card shows what the model understood: the plan travels with the candidate.
    assert all(m["plan"].startswith("net ") and "\nstyle: " in m["plan"] for m in live)
    assert all(m["structure_rank"] == 0 for m in live)
    # The done event says done; the ranked diagrams are fetched (here: a new socket's state).
    assert received[-1] == {"type": "done", "status": "done", "job": job.pk}
    await communicator.disconnect()
    again = job_socket(job.pk, alice_client)
    await again.connect()
    state = await again.receive_json_from(timeout=5)
    assert state["status"] == "done"
    assert [d["rank"] for d in state["diagrams"]] == [1, 2, 3]
    assert all(d["svg_url"] and d["node_list"] for d in state["diagrams"])
    assert {d["plan"] for d in state["diagrams"]} == {m["plan"] for m in live}
    assert all(d["structure_rank"] == 0 for d in state["diagrams"])
    await again.disconnect()
    engines.clear_cache()
