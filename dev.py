#!/usr/bin/env python3
"""wufei (无废) — one-command setup, standard library only.

    python3 dev.py demo    # venv + install + migrate + reference data + demo province, serve :8000
    python3 dev.py test    # venv + install with test tools + the whole test suite (pytest's exit code)

Other commands (see ``python3 dev.py --help``): ``install``, ``serve``, ``messages`` (compile the
translations with polib, no gettext needed), ``messages --check`` (every .po compiled?), ``lock``
(regenerate constraints.txt).

Needs only Python >= 3.11 on the machine. Every step is safe to run again: the install is skipped
when pyproject.toml and constraints.txt have not changed since the last one, migrations and the
loaders are idempotent. Nothing is downloaded but Python packages (from the package index).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("WUFEI_VENV", ROOT / ".venv"))
CONSTRAINTS = ROOT / "constraints.txt"
MIN_PYTHON = (3, 11)


# ---------------------------------------------------------------------------------------------
# output helpers
# ---------------------------------------------------------------------------------------------
def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def fail(message: str, code: int = 1) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def run(cmd: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> int:
    """Run a command in the repository, echoing it; stop on failure when ``check``."""
    shown = " ".join(str(c) if " " not in str(c) else repr(str(c)) for c in cmd)
    print(f"    $ {shown}", flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, check=False)
    if check and result.returncode != 0:
        fail(f"command failed with exit code {result.returncode}: {shown}", result.returncode)
    return result.returncode


# ---------------------------------------------------------------------------------------------
# virtual environment and install
# ---------------------------------------------------------------------------------------------
def venv_bin(name: str) -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / (name + (".exe" if not name.endswith(".exe") else ""))
    return VENV / "bin" / name


def venv_python() -> Path:
    return venv_bin("python")


def ensure_venv() -> Path:
    """Create .venv with pip if it does not exist (or is broken). Returns its python."""
    py = venv_python()
    if py.exists():
        probe = subprocess.run([str(py), "-c", "import pip"], capture_output=True, check=False)
        if probe.returncode == 0:
            return py
        say(f"{VENV} exists but has no working pip: recreating it")
        shutil.rmtree(VENV)
    say(f"creating the virtual environment {VENV}")
    try:
        venv.EnvBuilder(with_pip=True, clear=False, upgrade_deps=False).create(VENV)
    except (subprocess.CalledProcessError, OSError) as exc:
        # Debian/Ubuntu ship ensurepip separately (package python3-venv). Fall back to a venv
        # without pip and the interpreter's own pip, if it has one.
        shutil.rmtree(VENV, ignore_errors=True)
        venv.EnvBuilder(with_pip=False).create(VENV)
        has_pip = subprocess.run(
            [sys.executable, "-m", "pip", "--version"], capture_output=True, check=False
        )
        if has_pip.returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            fail(
                f"could not create a virtual environment with pip ({exc}).\n"
                "On Debian/Ubuntu install the venv module first: sudo apt-get install python3-venv"
            )
        run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "pip"])
    return py


def _install_fingerprint(extras: str) -> str:
    h = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", CONSTRAINTS):
        if path.exists():
            h.update(path.read_bytes())
    h.update(extras.encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def ensure_installed(extras: str = "") -> Path:
    """pip install -c constraints.txt -e .[extras], skipped when nothing changed since last time."""
    py = ensure_venv()
    stamp = VENV / f".wufei-installed{('-' + extras) if extras else ''}"
    fingerprint = _install_fingerprint(extras)
    # An install with the dev extras also satisfies a plain one (no second pip run, works offline).
    candidates = [(stamp, fingerprint)]
    if extras != "dev":
        candidates.append((VENV / ".wufei-installed-dev", _install_fingerprint("dev")))
    if any(s.exists() and s.read_text().strip() == f for s, f in candidates):
        probe = subprocess.run(
            [str(py), "-c", "import django, wufei"], cwd=ROOT, capture_output=True, check=False
        )
        if probe.returncode == 0:
            say(
                f"packages already installed{(' [' + extras + ']') if extras else ''} (pyproject.toml and constraints.txt unchanged)"
            )
            return py
    target = f".[{extras}]" if extras else "."
    say(
        f"installing wufei{(' [' + extras + ']') if extras else ''} with the pinned versions of constraints.txt"
    )
    cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    if CONSTRAINTS.exists():
        cmd += ["-c", str(CONSTRAINTS)]
    cmd += ["-e", target]
    run(cmd)
    stamp.write_text(fingerprint + "\n")
    return py


def django_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra)
    return env


def manage(py: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    return run([str(py), "manage.py", *args], env=env or django_env(), check=check)


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
def _inner_accounts() -> int:
    """(Runs in the venv.) Print the demo accounts that exist in the database."""
    import unicodedata

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    try:
        from wufei.demo.accounts import DEMO_ACCOUNTS  # type: ignore[import-not-found]
    except ImportError:
        DEMO_ACCOUNTS = []
    existing = set(
        get_user_model()
        .objects.filter(username__in=[a["username"] for a in DEMO_ACCOUNTS])
        .values_list("username", flat=True)
    )
    rows = [
        (
            str(a["username"]),
            str(a.get("role_zh") or a.get("role", "")),
            str(a.get("organization") or a.get("organisation") or ""),
        )
        for a in DEMO_ACCOUNTS
        if a["username"] in existing
    ]
    if not rows:
        print(
            "  (no demo accounts: create a user with `.venv/bin/python manage.py createsuperuser`)"
        )
        return 0

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    def pad(text: str, n: int) -> str:
        return text + " " * max(0, n - width(text))

    heads = ("username", "role", "organisation / jurisdiction")
    cols = [max(width(r[i]) for r in [*rows, heads]) for i in range(3)]
    print("  " + "  ".join(pad(h, c) for h, c in zip(heads, cols, strict=True)))
    print("  " + "  ".join("-" * c for c in cols))
    for r in rows:
        print("  " + "  ".join(pad(v, c) for v, c in zip(r, cols, strict=True)))
    print(f"\n  password of every demo account: {settings.WUFEI['DEMO_PASSWORD']}")
    return 0


def _inner_messages(check: bool) -> int:
    """(Runs in the venv.) Compile every .po with polib, or check that each .mo matches."""
    import polib  # type: ignore[import-untyped]

    def entries(catalogue) -> dict:
        return {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid
            and not getattr(e, "obsolete", False)
            and "fuzzy" not in e.flags
            and (e.msgstr or any(e.msgstr_plural.values()))
        }

    problems = 0
    pos = sorted(p for p in (ROOT / "wufei").rglob("*.po") if "LC_MESSAGES" in p.parts)
    for po_path in pos:
        rel = po_path.relative_to(ROOT)
        mo_path = po_path.with_suffix(".mo")
        po = polib.pofile(str(po_path))
        expected = entries(po)
        if not check:
            po.save_as_mofile(str(mo_path))
            print(
                f"  compiled {rel}: {len(expected)} messages, {po.percent_translated()}% translated"
            )
            continue
        if not mo_path.exists():
            print(f"  MISSING  {mo_path.relative_to(ROOT)}")
            problems += 1
            continue
        actual = entries(polib.mofile(str(mo_path)))
        differ = [k for k in expected if actual.get(k) != expected[k]]
        extra = [k for k in actual if k not in expected]
        if differ or extra:
            problems += 1
            print(
                f"  STALE    {rel}: {len(differ)} missing or different in the .mo, {len(extra)} extra"
            )
            for key in (differ + extra)[:5]:
                print(f"           {key[1]!r}")
        else:
            print(f"  ok       {rel}: {len(expected)} messages")
    if not pos:
        print("  no .po files under wufei/")
    if check and problems:
        print(
            f"{problems} catalogue(s) not compiled: run `python3 dev.py messages` and commit the .mo"
        )
        return 1
    return 0


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def cmd_install(args: argparse.Namespace) -> int:
    ensure_installed("dev" if args.dev else "")
    return 0


def prepare_demo(py: Path, scale: str | None) -> dict[str, str]:
    env = django_env(WUFEI_DEBUG=os.environ.get("WUFEI_DEBUG", "1"))
    env.pop("CELERY_BROKER_URL", None)  # the embedded default runs tasks inline
    say("migrating the database (SQLite in var/ unless DATABASE_URL is set)")
    manage(py, "migrate", "--noinput", env=env)
    say("loading the reference data: hazardous waste catalogue, exemptions, methods, regions")
    manage(py, "load_reference_data", env=env)
    say("building the demo province (deterministic; safe to run again)")
    seed = ["seed_demo"] + (["--scale", scale] if scale else [])
    manage(py, *seed, env=env)
    return env


def cmd_demo(args: argparse.Namespace) -> int:
    py = ensure_installed("")
    env = prepare_demo(py, args.scale)  # seed_demo ends with the table of demo accounts
    if args.no_serve:
        return 0
    return serve(py, env, args.host, args.port)


def serve(py: Path, env: dict[str, str], host: str, port: int) -> int:
    if port_in_use(host, port):
        fail(f"port {port} on {host} is already in use; stop the other server or use --port")
    url = f"http://{host}:{port}/"
    say(f"serving wufei on {url}  (sign in at {url}accounts/login/, stop with Ctrl-C)")
    cmd = [str(py), "manage.py", "runserver", "--noreload", f"{host}:{port}"]
    if not env.get("CELERY_BROKER_URL"):
        env = {**env, "WUFEI_SCHEDULER": env.get("WUFEI_SCHEDULER", "inline")}  # periodic jobs
    sys.stdout.flush()
    if os.name == "posix":
        # Become the server: Ctrl-C and a kill of this process's id stop it, no orphan is left.
        os.chdir(ROOT)
        os.execve(cmd[0], cmd, env)
    try:
        return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
    except KeyboardInterrupt:
        return 0


def cmd_serve(args: argparse.Namespace) -> int:
    py = ensure_installed("")
    env = django_env(WUFEI_DEBUG=os.environ.get("WUFEI_DEBUG", "1"))
    env.pop("CELERY_BROKER_URL", None)
    say("demo accounts")
    run([str(py), str(ROOT / "dev.py"), "_accounts"], env=env)
    return serve(py, env, args.host, args.port)


def cmd_test(args: argparse.Namespace, pytest_args: list[str]) -> int:
    py = ensure_installed("dev")
    env = django_env()
    db = env.get("DATABASE_URL", "") or "SQLite (var/test_wufei.sqlite3)"
    say(f"running the test suite on {db.split('@')[-1]}")
    if not any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in pytest_args):
        # One worker per core (pytest-xdist); a test file stays on one worker.
        pytest_args = ["-n", "auto", "--dist", "loadfile", *pytest_args]
    cmd = [str(py), "-m", "pytest", *pytest_args]
    print(f"    $ {' '.join(cmd)}", flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode


def cmd_messages(args: argparse.Namespace) -> int:
    py = ensure_installed("dev")
    say(
        "checking that every .po file is compiled"
        if args.check
        else "compiling every .po file with polib"
    )
    inner = [str(py), str(ROOT / "dev.py"), "_messages"] + (["--check"] if args.check else [])
    return run(inner, check=False)


LOCK_HEADER = """\
# Pinned versions of every package wufei and its dev tools install:
#   pip install -c constraints.txt -e .[dev]      (python3 dev.py test / demo do this)
# Regenerate after changing the dependency lists in pyproject.toml: python3 dev.py lock
# (a fresh venv resolves pyproject.toml, keeping these pins where they still fit).
"""


def cmd_lock(args: argparse.Namespace) -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wufei-lock-") as tmp:
        say("resolving pyproject.toml [dev] in a fresh virtual environment")
        venv.EnvBuilder(with_pip=True).create(tmp)
        py = Path(tmp) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
        if CONSTRAINTS.exists() and not args.upgrade:
            cmd += ["-c", str(CONSTRAINTS)]
        run([*cmd, "-e", ".[dev]"])
        frozen = subprocess.run(
            [str(py), "-m", "pip", "freeze", "--exclude-editable"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    CONSTRAINTS.write_text(LOCK_HEADER + frozen)
    say(f"wrote {CONSTRAINTS.name} ({len(frozen.splitlines())} pins)")
    return 0


# ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    if sys.version_info < MIN_PYTHON:
        fail(
            f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed; this is {sys.version.split()[0]}"
        )
    parser = argparse.ArgumentParser(
        prog="python3 dev.py",
        description="wufei development helper (standard library only).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """
            examples:
              python3 dev.py demo                     set everything up and serve on :8000
              python3 dev.py demo --no-serve          set up the demo database only
              python3 dev.py test                     the whole suite on SQLite
              python3 dev.py test -k catalog -x       extra arguments go to pytest
              DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python3 dev.py test
            """
        ),
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="{demo,test,serve,install,messages,lock}"
    )

    p = sub.add_parser(
        "demo", help="install, migrate, load reference data and the demo province, serve"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--scale", default=None, help="passed to seed_demo --scale (default: its own)")
    p.add_argument("--no-serve", action="store_true", help="prepare the database and stop")

    p = sub.add_parser("serve", help="serve an already prepared database on :8000")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    sub.add_parser(
        "test", help="install the test tools and run pytest (extra arguments go to pytest)"
    )

    p = sub.add_parser("install", help="create .venv and install the pinned packages")
    p.add_argument("--dev", action="store_true", help="with the test and lint tools")

    p = sub.add_parser("messages", help="compile the .po translations to .mo with polib")
    p.add_argument("--check", action="store_true", help="only check that every .mo matches its .po")

    p = sub.add_parser(
        "lock", help="regenerate constraints.txt from pyproject.toml in a fresh venv"
    )
    p.add_argument(
        "--upgrade", action="store_true", help="ignore the current pins (newest versions)"
    )

    sub.add_parser("_accounts", help=argparse.SUPPRESS)
    p = sub.add_parser("_messages", help=argparse.SUPPRESS)
    p.add_argument("--check", action="store_true")

    args, rest = parser.parse_known_args(argv)
    if args.command == "test":
        if rest and rest[0] == "--":
            rest = rest[1:]
        return cmd_test(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    handlers = {
        "demo": cmd_demo,
        "serve": cmd_serve,
        "install": cmd_install,
        "messages": cmd_messages,
        "lock": cmd_lock,
        "_accounts": lambda a: _inner_accounts(),
        "_messages": lambda a: _inner_messages(a.check),
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
