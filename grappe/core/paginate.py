from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet[Any] | Sequence[Any], per_page: int | None = None) -> Page[Any]:
    """The requested page of ``queryset``; an invalid page number gives the nearest valid page."""
    paginator = Paginator(queryset, per_page or settings.GRAPPE_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))
