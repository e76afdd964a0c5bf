from django.conf import settings

from . import navigation as nav
from .permissions import principal


def navigation(request):
    user = getattr(request, "user", None)
    ctx = {"platform_name": settings.WUFEI["PLATFORM_NAME"]}
    if user is not None and user.is_authenticated:
        ctx["nav_sections"] = nav.build(user, request.path)
        ctx["principal"] = principal(user)
        ctx["user_context"] = _user_context(user)
    return ctx


def _user_context(user):
    """What the top bar shows: the user's organisation(s) or jurisdiction."""
    from django.utils.translation import gettext as _

    p = principal(user)
    if p is None:
        return ""
    if p.is_platform_admin:
        return _("Platform administrator")
    return p.label
