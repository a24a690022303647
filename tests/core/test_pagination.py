"""The shared pagination links keep the filters and lead to the next page (they were written
"??page=2", which browsers sent as a parameter named "?page": every list stayed on page 1)."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_next_and_previous_links_carry_the_filters_and_the_page():
    request = RequestFactory().get("/training/", {"q": "données", "page": "2"})
    page = Paginator(list(range(30)), 10).get_page(2)

    html = render_to_string("includes/pagination.html", {"page": page}, request=request)

    assert 'href="?q=donn%C3%A9es&amp;page=3" rel="next"' in html
    assert 'href="?q=donn%C3%A9es&amp;page=1" rel="prev"' in html
