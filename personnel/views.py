"""Server-rendered pages of the personnel registry, and what every page shares: `ScopedMixin`
(login, the role's right to the page, the queryset from the scoping function), the navigation
flags and paging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView

from . import selectors
from .disclosure import record_full_views
from .errors import ApplicationError
from .filters import StaffFilterSet
from .forms import StaffForm, TitleForm, apply_application_error, label_blank_choices, use_department_select
from .models import Staff, Title
from .scoping import (
    can_change,
    can_read,
    can_view_full_id,
    changeable,
    visible_institutions,
    visible_staff,
)
from .services import save_staff, save_title

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def navigation_for(user) -> dict[str, bool]:
    """Which areas the top navigation offers this user (an area the role may not read is hidden)."""
    return {
        "institution": can_read(user, "institution"),
        "staff": can_read(user, "staff"),
        "quota": can_read(user, "quota"),
        "appointment": can_read(user, "appointment"),
        "staff_create": can_change(user, "staff"),
    }


class ScopedMixin(LoginRequiredMixin):
    """Every page: the user is logged in, their role may `action` ("read" or "change") the
    `resource` (else 403), and objects come only from `scope(user)` (so a foreign one is a 404).

    `scope` is a scoping function such as `personnel.scoping.visible_staff`, declared with
    `staticmethod(...)`.  For "change" pages the queryset is narrowed with `changeable`.
    """

    resource: str = ""
    action: str = "read"
    scope: Callable[[Any], QuerySet] | None = None
    nav_active: str = ""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.resource and not self.permitted(request.user):
            raise PermissionDenied("您的角色无权访问此页面。")
        return super().dispatch(request, *args, **kwargs)

    def permitted(self, user) -> bool:
        check = can_change if self.action == "change" else can_read
        return check(user, self.resource)

    def get_queryset(self) -> QuerySet:
        if self.scope is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares no scope function.")
        qs = self.scope(self.request.user)
        if self.action == "change":
            qs = changeable(self.request.user, self.resource, qs)
        return qs

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["nav"] = navigation_for(self.request.user)
        context["nav_active"] = self.nav_active
        return context


def page_size_from(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except (TypeError, ValueError):
        size = DEFAULT_PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    """A page of `queryset` per `?page=` and `?page_size=` (capped); an out-of-range page shows the
    nearest one instead of an error."""
    return Paginator(queryset, page_size_from(request)).get_page(request.GET.get("page"))


# --- What other apps add to personnel's pages ---------------------------------------------------
# Appointments (and later assessments, secondments…) contribute figures to the landing page and
# sections to the staff page through these lists, so personnel never imports them (a lower app
# does not import a higher one).  They register when their views module is imported, which the
# root URLconf does before any request is served.


@dataclass
class DashboardCard:
    label: str
    value: int
    url: str = ""
    note: str = ""
    alert: bool = False


@dataclass
class StaffSection:
    template_name: str
    context: dict[str, Any] = field(default_factory=dict)
    history: list[selectors.HistoryEntry] = field(default_factory=list)


DASHBOARD_CARDS: list[Callable[[Any], list[DashboardCard]]] = []
STAFF_SECTIONS: list[Callable[[HttpRequest, Staff], StaffSection | None]] = []


def register_dashboard_cards(func: Callable[[Any], list[DashboardCard]]):
    if func not in DASHBOARD_CARDS:
        DASHBOARD_CARDS.append(func)
    return func


def register_staff_section(func: Callable[[HttpRequest, Staff], StaffSection | None]):
    if func not in STAFF_SECTIONS:
        STAFF_SECTIONS.append(func)
    return func


# --- Pages ---------------------------------------------------------------------------------------


class HomeView(ScopedMixin, TemplateView):
    template_name = "personnel/home.html"
    nav_active = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        counts = selectors.scope_counts(user)
        nav = context["nav"]
        cards = [
            DashboardCard(
                "人员", counts["staff"], reverse("personnel:staff_list") if nav["staff"] else "", "可见范围内"
            ),
            DashboardCard(
                "机构",
                counts["institutions"],
                reverse("personnel:institution_tree") if nav["institution"] else "",
                "含下级机构",
            ),
        ]
        for contribute in DASHBOARD_CARDS:
            cards.extend(contribute(user))
        context["cards"] = cards
        return context


class InstitutionTreeView(ScopedMixin, TemplateView):
    template_name = "personnel/institution_tree.html"
    resource = "institution"
    nav_active = "institution"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["institutions"] = selectors.institution_tree(self.request.user)
        return context


class StaffListView(ScopedMixin, ListView):
    template_name = "personnel/staff_list.html"
    resource = "staff"
    scope = staticmethod(selectors.staff_for_list)
    nav_active = "staff"
    context_object_name = "staff_list"

    def get_queryset(self):
        self.filterset = StaffFilterSet(self.request.GET, queryset=super().get_queryset(), user=self.request.user)
        label_blank_choices(self.filterset.form, "全部")
        use_department_select(self.filterset.form.fields["department"])
        if not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def paginate_queryset(self, queryset, page_size):
        page = paginate(self.request, queryset)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_paginate_by(self, queryset):
        return page_size_from(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        full = can_view_full_id(self.request.user)
        people = context["page_obj"].object_list
        for person in people:
            person.id_display = selectors.display_id_number(person.id_number, full=full)
        if full:
            record_full_views(self.request, people)  # one INSERT for the page
        context["filter"] = self.filterset
        context["page_size"] = page_size_from(self.request)
        context["filtered"] = any(v for k, v in self.request.GET.items() if k not in ("page", "page_size"))
        return context


class StaffDetailView(ScopedMixin, DetailView):
    template_name = "personnel/staff_detail.html"
    resource = "staff"
    scope = staticmethod(selectors.staff_for_detail)
    nav_active = "staff"
    context_object_name = "staff"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        staff = self.object
        full = can_view_full_id(user)
        sections = [s for s in (contribute(self.request, staff) for contribute in STAFF_SECTIONS) if s is not None]
        current = staff.current_title
        context.update(
            id_display=selectors.display_id_number(staff.id_number, full=full),
            phone_display=selectors.display_phone(staff.phone, full=full),
            titles=sorted(staff.titles.all(), key=lambda t: t.obtained_on, reverse=True),
            current_title_id=current.pk if current else None,
            sections=sections,
            history=selectors.newest_first(
                selectors.staff_history(staff, show_full_id=full), *(s.history for s in sections)
            ),
            can_edit=can_change(user, "staff"),
            can_add_title=can_change(user, "title"),
            title_form=kwargs.get("title_form") or TitleForm(),
        )
        if full:
            record_full_views(self.request, [staff])
        return context


class StaffFormMixin(ScopedMixin):
    model = Staff
    form_class = StaffForm
    template_name = "personnel/staff_form.html"
    resource = "staff"
    action = "change"
    scope = staticmethod(visible_staff)
    nav_active = "staff"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The edit form shows the full number and phone to holders of the permission.
        if self.object is not None and self.request.method == "GET" and can_view_full_id(self.request.user):
            record_full_views(self.request, [self.object])
        return context

    def form_valid(self, form):
        try:
            self.object = save_staff(staff=form.instance, actor=self.request.user)
        except ApplicationError as error:
            apply_application_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message.format(name=self.object.name))
        return redirect("personnel:staff_detail", pk=self.object.pk)


class StaffCreateView(StaffFormMixin, CreateView):
    success_message = "已新建人员档案：{name}。"

    def get_initial(self):
        initial = super().get_initial()
        institution = getattr(self.request.user, "institution", None)
        if institution is not None and visible_institutions(self.request.user).filter(pk=institution.pk).exists():
            initial["institution"] = institution.pk
        return initial


class StaffUpdateView(StaffFormMixin, UpdateView):
    success_message = "已保存人员档案：{name}。"


class TitleCreateView(ScopedMixin, View):
    """Add a title to a person (the form sits on the staff page; this page shows it again with
    its errors, so it works without JavaScript)."""

    resource = "title"
    action = "change"
    template_name = "personnel/title_form.html"

    def get_staff(self) -> Staff:
        return get_object_or_404(visible_staff(self.request.user), pk=self.kwargs["pk"])

    def render_form(self, staff: Staff, form: TitleForm, status: int = 200) -> HttpResponse:
        context = {"staff": staff, "form": form, "nav": navigation_for(self.request.user), "nav_active": "staff"}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_staff(), TitleForm())

    def post(self, request, *args, **kwargs):
        staff = self.get_staff()
        form = TitleForm(request.POST, instance=Title(staff=staff))
        if form.is_valid():
            try:
                title = save_title(title=form.instance, actor=request.user)
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(request, f"已为{staff.name}添加职称：{title.name}。")
                return redirect(reverse("personnel:staff_detail", args=[staff.pk]) + "#titles")
        return self.render_form(staff, form, status=400)
