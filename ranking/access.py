"""One helper per stored object that returns it only to its owner.

Pages, the REST API and the websocket consumer all go through these, so
another user's job or diagram is a 404 on every path (healthchecks'
`_get_check_for_user`).
"""

from django.http import Http404

from ranking.models import Diagram, Job


def get_job_for_user(user, job_id) -> Job:
    """Return the user's job `job_id`, or raise Http404 for anyone else's or a missing one."""
    try:
        return Job.objects.for_user(user).select_related("llm_config", "scorer").get(pk=int(job_id))
    except (Job.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404("No such job.") from exc


def get_diagram_for_user(user, diagram_id) -> Diagram:
    """Return the user's diagram `diagram_id`; raise Http404 for anyone else's or a missing one."""
    try:
        return Diagram.objects.visible_to(user).select_related("job").get(pk=int(diagram_id))
    except (Diagram.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404("No such diagram.") from exc
