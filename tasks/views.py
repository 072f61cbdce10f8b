"""我的待办 page (/tasks/) and the navigation's count (/tasks/count/)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from personnel.views import navigation_for

from .context_processors import refresh_task_count, remember_task_count
from .selectors import DEADLINE_DAYS, my_tasks, task_total


class MyTasksView(LoginRequiredMixin, TemplateView):
    template_name = "tasks/my_tasks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        groups = my_tasks(user, today=timezone.localdate())
        total = remember_task_count(user, task_total(groups))
        context.update(
            groups=groups,
            total=total,
            task_count=total,
            deadline_days=DEADLINE_DAYS,
            nav=navigation_for(user),
            nav_active="tasks",
        )
        return context


class TaskCountView(LoginRequiredMixin, View):
    """GET: the user's to-do count for the navigation (cached for the pages)."""

    def get(self, request):
        response = JsonResponse({"tasks": refresh_task_count(request.user)})
        response["Cache-Control"] = "private, no-store"
        return response
