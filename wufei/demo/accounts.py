"""The demo accounts: one per role, all with the password ``settings.WUFEI["DEMO_PASSWORD"]``.

``DEMO_ACCOUNTS`` is what the README, the setup script and the browser tests use::

    from wufei.demo.accounts import DEMO_ACCOUNTS, demo_password
    for a in DEMO_ACCOUNTS:
        client.login(username=a["username"], password=demo_password())

Each entry: ``username``, ``role`` (a stable key), ``role_zh`` / ``role_en`` (what it is),
``organization`` (the fixed name of its organisation, ``""`` for the platform administrator),
``org_key`` (which demo organisation, see :data:`ANCHORS`), ``membership`` (its membership
role) and ``display_name``. The organisations' names are fixed; their USCCs come from the seed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# The demo organisations the accounts belong to: key → (name, roles, county code).
ANCHORS: dict[str, dict[str, Any]] = {
    "province": {"name": "浙江省生态环境厅", "region": "330000"},
    "shaoxing": {"name": "绍兴市生态环境局", "region": "330600"},
    "keqiao": {"name": "绍兴市生态环境局柯桥分局", "region": "330603"},
    "producer": {"name": "绍兴柯桥恒美印染有限公司", "region": "330603"},
    "carrier": {"name": "绍兴安运危险品运输有限公司", "region": "330602"},
    "receiver": {"name": "绍兴上虞清源环保科技有限公司", "region": "330604"},
    "collector": {"name": "绍兴柯桥绿净环境服务有限公司", "region": "330603"},
}

PLATFORM_ACTOR = "platform"  # the superuser the generator acts as (no password: it cannot log in)

DEMO_ACCOUNTS: list[dict[str, str]] = [
    {
        "username": "admin",
        "role": "platform_admin",
        "role_zh": "平台管理员",
        "role_en": "Platform administrator",
        "org_key": "",
        "membership": "",
        "display_name": "平台管理员",
    },
    {
        "username": "province",
        "role": "regulator_province",
        "role_zh": "省级监管（省生态环境厅）",
        "role_en": "Provincial regulator",
        "org_key": "province",
        "membership": "admin",
        "display_name": "省厅固废处 周敏",
    },
    {
        "username": "shaoxing",
        "role": "regulator_city",
        "role_zh": "市级监管（绍兴市生态环境局）",
        "role_en": "City regulator",
        "org_key": "shaoxing",
        "membership": "admin",
        "display_name": "绍兴市局 陈建国",
    },
    {
        "username": "keqiao",
        "role": "regulator_county",
        "role_zh": "县级监管（柯桥分局）",
        "role_en": "County regulator",
        "org_key": "keqiao",
        "membership": "admin",
        "display_name": "柯桥分局 王立群",
    },
    {
        "username": "producer",
        "role": "producer_admin",
        "role_zh": "产废单位管理员",
        "role_en": "Producer administrator",
        "org_key": "producer",
        "membership": "admin",
        "display_name": "EHS 主管 徐丽",
    },
    {
        "username": "reader",
        "role": "producer_reader",
        "role_zh": "产废单位只读用户",
        "role_en": "Producer reader",
        "org_key": "producer",
        "membership": "reader",
        "display_name": "只读 金晓东",
    },
    {
        "username": "carrier",
        "role": "carrier_admin",
        "role_zh": "承运单位管理员",
        "role_en": "Carrier administrator",
        "org_key": "carrier",
        "membership": "admin",
        "display_name": "调度 吴海峰",
    },
    {
        "username": "driver",
        "role": "driver",
        "role_zh": "驾驶员",
        "role_en": "Driver",
        "org_key": "carrier",
        "membership": "driver",
        "display_name": "驾驶员 张伟",
    },
    {
        "username": "operator",
        "role": "receiver_admin",
        "role_zh": "经营单位（接受人）管理员",
        "role_en": "Receiver / operator administrator",
        "org_key": "receiver",
        "membership": "admin",
        "display_name": "经营单位 林志强",
    },
    {
        "username": "collector",
        "role": "collector_admin",
        "role_zh": "小微收运单位管理员",
        "role_en": "Micro collector administrator",
        "org_key": "collector",
        "membership": "admin",
        "display_name": "收运站 沈春燕",
    },
]
for _account in DEMO_ACCOUNTS:
    _account["organization"] = ANCHORS[_account["org_key"]]["name"] if _account["org_key"] else ""

DRIVER_USERNAME = "driver"


def demo_password() -> str:
    return str(settings.WUFEI["DEMO_PASSWORD"])


def account(username: str) -> dict[str, str]:
    for a in DEMO_ACCOUNTS:
        if a["username"] == username:
            return a
    raise KeyError(username)
