"""Websocket /ws/jobs/<id>/: state on connect, live events, refusals."""

import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from diagramsite.asgi import application
from ranking import events
from ranking.models import Job
from tests.jobdata import make_done_job, make_job

pytestmark = pytest.mark.django_db(transaction=True)


def socket(job_id, client=None, origin=b"http://testserver"):
    """Return a communicator for the job's socket, signed in as `client`'s user if given."""
    headers = [(b"host", b"testserver"), (b"origin", origin)]
    if client is not None:
        session = client.cookies["sessionid"].value
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(application, f"/ws/jobs/{job_id}/", headers=headers)


async def test_the_owner_gets_the_state_then_live_events(alice, alice_client):
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    communicator = socket(job.pk, alice_client)
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
    communicator = socket(job.pk, alice_client)
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
    communicator = socket(job.pk, alice_client)
    await communicator.connect()
    state = await communicator.receive_json_from()
    assert state["stage"] == "generating"
    assert state["progress"] == progress
    await communicator.disconnect()


async def test_a_late_join_to_a_finished_job_gets_the_ranked_diagrams(alice, alice_client):
    job, diagrams = await database_sync_to_async(make_done_job)(alice, n=3)
    communicator = socket(job.pk, alice_client)
    await communicator.connect()
    state = await communicator.receive_json_from()
    assert state["status"] == "done"
    assert [row["id"] for row in state["diagrams"]] == [d.pk for d in diagrams]
    assert state["diagrams"][0]["svg_url"] == f"/api/diagrams/{diagrams[0].pk}/svg/"
    await communicator.disconnect()


async def test_anonymous_users_are_refused(alice, client):
    job = await database_sync_to_async(make_job)(alice)
    connected, code = await socket(job.pk).connect()
    assert (connected, code) == (False, 4401)


async def test_another_user_is_refused(alice, bob_client):
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    communicator = socket(job.pk, bob_client)
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4404)


async def test_a_missing_job_is_refused(alice_client):
    connected, code = await socket(424242, alice_client).connect()
    assert (connected, code) == (False, 4404)


async def test_a_foreign_origin_is_refused(alice, alice_client):
    job = await database_sync_to_async(make_job)(alice)
    connected, _ = await socket(job.pk, alice_client, origin=b"http://evil.example").connect()
    assert not connected


async def test_it_answers_ping_and_reports_unknown_messages(alice, alice_client):
    job = await database_sync_to_async(make_job)(alice)
    communicator = socket(job.pk, alice_client)
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
    communicator = socket(job.pk, alice_client)
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
    again = socket(job.pk, alice_client)
    await again.connect()
    state = await again.receive_json_from(timeout=5)
    assert state["status"] == "done"
    assert [d["rank"] for d in state["diagrams"]] == [1, 2, 3]
    assert all(d["svg_url"] and d["node_list"] for d in state["diagrams"])
    assert {d["plan"] for d in state["diagrams"]} == {m["plan"] for m in live}
    assert all(d["structure_rank"] == 0 for d in state["diagrams"])
    await again.disconnect()
    engines.clear_cache()
