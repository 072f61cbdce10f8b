from celery import shared_task

from config.celery import RELIABLE_TASK


@shared_task(name="accesslog.purge_expired_logs", **RELIABLE_TASK)
def purge_expired_logs() -> dict[str, int]:
    from .services import purge_expired_logs as purge

    return purge()
