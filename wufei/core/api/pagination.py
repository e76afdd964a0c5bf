from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Cursor pagination (stable under inserts, fast on large tables), newest first."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500
