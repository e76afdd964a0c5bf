"""Permissions: one ``restrict(user, action)`` for every list and detail, web and API alike.

Each model declares a :class:`Policy`: the path from the model to the organisation that owns
a row (``org_path``), the path to that row's region prefix (``region_path``, for regulators)
and which membership roles may ``view``, ``add`` and ``change``. ``Model.objects.restrict(user,
action)`` turns the policy into a queryset filter; :func:`allows` answers the same question for
one object in Python (for an object that is not saved yet, e.g. before ``add``). The permission
matrix test (``wufei/core/tests/test_permission_matrix.py``) checks every model × role × action
against both. See docs/permissions.md.

Who is who comes from a *principal*: the user's organisation roles and jurisdictions. The
registry app (which owns memberships) registers the loader, so that core does not import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q

ACTIONS = ("view", "add", "change")

ADMIN, MEMBER, DRIVER, READER = "admin", "member", "driver", "reader"
ALL_ROLES = frozenset({ADMIN, MEMBER, DRIVER, READER})
WRITE_ROLES = frozenset({ADMIN, MEMBER})


@dataclass(frozen=True)
class Principal:
    """Who a user is for permission purposes."""

    user_id: int | None
    is_platform_admin: bool = False
    org_roles: dict[int, str] = field(default_factory=dict)  # organisation id → membership role
    jurisdictions: tuple[
        str, ...
    ] = ()  # region prefixes of the regulator bureaus the user works for
    label: str = ""  # what the top bar shows: organisation or jurisdiction

    def orgs_with(self, roles: Iterable[str]) -> list[int]:
        roles = set(roles)
        return sorted(org for org, role in self.org_roles.items() if role in roles)

    def in_jurisdiction(self, prefix: str | None) -> bool:
        return bool(prefix) and any(prefix.startswith(j) for j in self.jurisdictions)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Policy:
    """Who may do what with a model's rows.

    org_path:    lookup path to the owning organisation's id (``""`` = the row *is* an organisation)
    region_path: lookup path to the row's region prefix string, for regulators' subtree scope
    self_path:   lookup path to a user id: a user always sees rows that are about themselves
    public_view: any signed-in user may view (reference data such as the catalogue)
    regulator_actions: what a regulator may do inside its jurisdiction
    admin_actions: what a platform administrator may do (reference data and the audit log are
                   read-only even for them: they change only through loaders and actions)
    """

    org_path: str | None = None
    region_path: str | None = None
    # More organisations that are parties to the row (a manifest's receiver and carrier):
    # forward paths resolved like org_path; "related" paths cross a reverse relation (the
    # manifest's later carriers) and are filtered through a sub-query, so rows never repeat.
    party_paths: tuple[str, ...] = ()
    related_party_paths: tuple[str, ...] = ()
    extra_region_paths: tuple[str, ...] = ()  # e.g. the destination region of a manifest
    # Regions reached through a reverse relation (a trip's findings: the county where the truck
    # stopped), filtered through a sub-query like related_party_paths.
    related_region_paths: tuple[str, ...] = ()
    self_path: str | None = None
    public_view: bool = False
    view_roles: frozenset[str] = ALL_ROLES - {DRIVER}
    add_roles: frozenset[str] = WRITE_ROLES
    change_roles: frozenset[str] = WRITE_ROLES
    regulator_actions: frozenset[str] = frozenset({"view"})
    admin_actions: frozenset[str] = frozenset(ACTIONS)  # what a platform administrator may do
    self_actions: frozenset[str] = frozenset(
        {"view"}
    )  # what a user may do to rows about themselves

    def roles_for(self, action: str) -> frozenset[str]:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
        return {"view": self.view_roles, "add": self.add_roles, "change": self.change_roles}[action]


PrincipalLoader = Callable[[Any], Principal]
_loader: PrincipalLoader | None = None


def set_principal_loader(loader: PrincipalLoader) -> None:
    global _loader
    _loader = loader


def principal(user: Any) -> Principal | None:
    """The user's principal, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_wufei_principal", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        p = Principal(user_id=user.pk, is_platform_admin=True)
    elif _loader is not None:
        p = _loader(user)
    else:
        p = Principal(user_id=user.pk)
    user._wufei_principal = p
    return p


def forget_principal(user: Any) -> None:
    """Drop the cached principal (after a membership change)."""
    if hasattr(user, "_wufei_principal"):
        del user._wufei_principal


def policy_for(model: type[models.Model]) -> Policy:
    policy = getattr(model, "policy", None)
    if not isinstance(policy, Policy):
        raise TypeError(f"{model.__name__} has no permission Policy")
    return policy


def _lookup(path: str, suffix: str = "") -> str:
    return f"{path}{suffix}" if path else f"pk{suffix}"


def restriction(model: type[models.Model], user: Any, action: str) -> Q | None:
    """The filter for ``restrict``; ``None`` means everything, ``Q(pk__in=[])`` nothing."""
    policy = policy_for(model)
    roles = policy.roles_for(action)
    p = principal(user)
    nothing = Q(pk__in=[])
    if p is None:
        return nothing
    if p.is_platform_admin:
        return None if action in policy.admin_actions else nothing
    if action == "view" and policy.public_view:
        return None
    q = nothing
    if policy.org_path is not None:
        orgs = p.orgs_with(roles)
        if orgs:
            q |= Q(**{_lookup(policy.org_path, "__in"): orgs})
            for path in policy.party_paths:
                q |= Q(**{f"{path}__in": orgs})
            for path in policy.related_party_paths:
                q |= Q(pk__in=model._default_manager.filter(**{f"{path}__in": orgs}).values("pk"))
    if policy.region_path and action in policy.regulator_actions:
        for prefix in p.jurisdictions:
            q |= Q(**{f"{policy.region_path}__startswith": prefix})
            for path in policy.extra_region_paths:
                q |= Q(**{f"{path}__startswith": prefix})
            for path in policy.related_region_paths:
                q |= Q(
                    pk__in=model._default_manager.filter(**{f"{path}__startswith": prefix}).values(
                        "pk"
                    )
                )
    if policy.self_path and action in policy.self_actions:
        q |= Q(**{policy.self_path: p.user_id})
    return q


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        q = restriction(self.model, user, action)
        return self if q is None else self.filter(q)


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


def _resolve(obj: Any, path: str | None) -> Any:
    if path is None:
        return None
    if path in ("", "pk"):
        return obj.pk
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        if part.endswith("_id") or part == "id":
            value = getattr(value, part)
            continue
        value = getattr(value, part)
    if isinstance(value, models.Model):
        return value.pk
    return value


def allows(user: Any, action: str, obj: models.Model) -> bool:
    """Does ``restrict(user, action)`` admit ``obj``? Works for unsaved objects too."""
    policy = policy_for(type(obj))
    roles = policy.roles_for(action)
    p = principal(user)
    if p is None:
        return False
    if p.is_platform_admin:
        return action in policy.admin_actions
    if action == "view" and policy.public_view:
        return True
    if policy.org_path is not None:
        org_id = obj.pk if policy.org_path == "" else _resolve(obj, policy.org_path)
        if org_id is not None and p.org_roles.get(org_id) in roles:
            return True
        for path in policy.party_paths:
            if p.org_roles.get(_resolve(obj, path)) in roles:
                return True
        orgs = p.orgs_with(roles)
        if orgs and obj.pk is not None:
            for path in policy.related_party_paths:
                if type(obj)._default_manager.filter(pk=obj.pk, **{f"{path}__in": orgs}).exists():
                    return True
    if policy.region_path and action in policy.regulator_actions:
        for path in (policy.region_path, *policy.extra_region_paths):
            if p.in_jurisdiction(_resolve(obj, path)):
                return True
        if obj.pk is not None:
            for path in policy.related_region_paths:
                for prefix in p.jurisdictions:
                    found = type(obj)._default_manager.filter(
                        pk=obj.pk, **{f"{path}__startswith": prefix}
                    )
                    if found.exists():
                        return True
    if policy.self_path and action in policy.self_actions:
        return _resolve(obj, policy.self_path) == p.user_id
    return False
