"""A job's websocket as a signed-in browser opens it, for consumer tests."""

from channels.testing import WebsocketCommunicator

from diagramsite.asgi import application


def job_socket(job_id, client=None, origin=b"http://testserver"):
    """Return a communicator for the job's socket, signed in as `client`'s user if given."""
    headers = [(b"host", b"testserver"), (b"origin", origin)]
    if client is not None:
        session = client.cookies["sessionid"].value
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(application, f"/ws/jobs/{job_id}/", headers=headers)
