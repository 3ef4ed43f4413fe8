"""docs/deploy.md works as written: its environment file reads the same under systemd's EnvironmentFile= rules and
under bash's `set -a; . file`; its steps come in an order that works; backups are private; the nginx block keeps
the port and compresses text; every setting config.py reads is in the README's table; it has a runbook for each
readiness failure."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.admin.readiness import Problem

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    found = re.search(r"^## " + re.escape(title) + r".*?$(.*?)(?=^## |\Z)", DEPLOY, re.M | re.S)
    assert found, f"no section {title!r} in docs/deploy.md"
    return found.group(1)


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)


def env_file() -> str:
    return code_blocks(section("4. Settings"))[0]


# ---------------------------------------------------------------- systemd's EnvironmentFile=, per systemd.exec(5)

def systemd_environment(text: str) -> dict[str, str]:
    """Assignments as systemd reads an EnvironmentFile: blank lines and lines starting with # or ; are ignored;
    KEY=VALUE with whitespace around the key and before the value dropped; a value in double quotes keeps its
    spaces and takes \\", \\\\, \\$ and \\` escapes; in single quotes it is literal; unquoted, a backslash escapes
    the next character, trailing whitespace is dropped and # is an ordinary character (no inline comments); a
    backslash at the end of a line joins the next."""
    env: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines) and not line.lstrip().startswith(("#", ";")):
            i += 1
            line = line[:-1] + lines[i]
        i += 1
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        key, sep, raw = line.partition("=")
        key = key.strip()
        assert sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"not an assignment systemd reads: {line!r}"
        raw = raw.lstrip()
        value, j = "", 0
        if raw[:1] == '"':
            j = 1
            while j < len(raw) and raw[j] != '"':
                if raw[j] == "\\" and j + 1 < len(raw) and raw[j + 1] in '"\\$`':
                    j += 1
                value += raw[j]
                j += 1
            assert j < len(raw), f"unterminated quote: {line!r}"
            assert not raw[j + 1:].strip(), f"text after a quoted value: {line!r}"
        elif raw[:1] == "'":
            end = raw.index("'", 1)
            value = raw[1:end]
            assert not raw[end + 1:].strip(), f"text after a quoted value: {line!r}"
        else:
            while j < len(raw):
                if raw[j] == "\\" and j + 1 < len(raw):
                    j += 1
                value += raw[j]
                j += 1
            value = value.rstrip()
        env[key] = value
    return env


def bash_environment(path: Path, keys: list[str]) -> dict[str, str]:
    script = f'set -a; . "{path}"; set +a; for k in {" ".join(keys)}; do printf "%s=%s\\0" "$k" "${{!k}}"; done'
    result = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], env={"PATH": "/usr/bin:/bin"},
                            capture_output=True, timeout=30)
    assert result.returncode == 0 and not result.stderr, result.stderr.decode()
    return dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if item)


def test_the_systemd_parser_is_faithful_on_the_cases_that_differ_from_bash():
    assert systemd_environment('A=1 # not a comment\nB="x y"\n# c\n; d\nC = spaced \nD=\'$HOME\'') == {
        "A": "1 # not a comment", "B": "x y", "C": "spaced", "D": "$HOME"}


def test_the_environment_file_reads_the_same_under_systemd_and_bash(tmp_path):
    text = env_file()
    path = tmp_path / "env"
    path.write_text(text)
    systemd = systemd_environment(text)
    assert {"DATABASE_URL", "SECRET_KEY", "SITE_URL", "MAIL_FROM", "PROXY_COUNT"} <= set(systemd)
    assert bash_environment(path, list(systemd)) == systemd
    assert systemd["MAIL_FROM"] == "Storyloop <no-reply@feedback.example.org>"
    assert all("#" not in value for value in systemd.values()), "an inline comment would become part of a value"


def test_every_setting_in_the_environment_file_is_one_config_reads():
    read = settings_config_reads()
    assert set(systemd_environment(env_file())) <= read


def _position(text: str, needle: str) -> int:
    assert needle in text, f"{needle!r} is not in docs/deploy.md"
    return text.index(needle)


def test_the_steps_come_in_an_order_that_works():
    assert _position(DEPLOY, "install -d -o storyloop -g storyloop -m 750 /var/lib/storyloop") \
        < _position(DEPLOY, "flask --app wsgi check") < _position(DEPLOY, "flask --app wsgi db upgrade")
    # check runs as the service user, with the settings it will have: root-owned and readable by its group.
    assert "chown root:storyloop /etc/storyloop/env" in DEPLOY and "chmod 640 /etc/storyloop/env" in DEPLOY
    assert "sudo -u storyloop" in section("5. Check, then create the schema")


def test_backups_are_readable_by_their_owner_only():
    backups = section("9. Backups and restore")
    assert "umask 077" in backups and "-m 700" in backups
    assert _position(backups, "$ umask 077") < _position(backups, "$ pg_dump")


def test_the_nginx_block_keeps_the_port_in_host_and_compresses_text():
    [nginx] = [b for b in code_blocks(section("7. The reverse proxy")) if "proxy_pass" in b]
    assert "proxy_set_header Host $http_host;" in nginx and "proxy_set_header Host $host;" not in nginx
    assert "gzip on;" in nginx and "gzip_vary on;" in nginx and "gzip_proxied any;" in nginx
    assert "gzip_static on;" in nginx
    static = re.search(r"location /static/ \{([^}]+)\}", nginx).group(1)
    assert 'add_header Cache-Control "public, max-age=31536000, immutable";' in static and "expires" not in static
    types = re.search(r"gzip_types ([^;]+);", nginx).group(1).split()
    assert {"text/css", "application/json", "application/javascript", "application/atom+xml", "text/csv",
            "image/svg+xml"} <= set(types)
    assert "proxy_set_header X-Request-ID $request_id;" in nginx


def test_downgrading_uses_the_new_code_first():
    upgrades = section("10. Upgrades")
    assert _position(upgrades, "db downgrade") < _position(upgrades, "git checkout")


def test_the_folders_shared_between_nodes_are_named():
    shared = section("8. Several web nodes and workers")
    assert "DATASET_DIR" in shared and "shared" in shared


def test_the_runbook_covers_each_readiness_failure():
    runbook = section("12. Runbook")
    for check in ("schema", "ratelimit", "workers", "outbox", "jobs", "folders", "database"):
        assert f"`{check}`" in runbook, f"the runbook says nothing of the {check} check"
    assert Problem.__doc__  # the checks' names are those /readyz returns in "checks"


def settings_config_reads() -> set[str]:
    source = (ROOT / "config.py").read_text()
    names = set(re.findall(r'(?:os\.environ\.get|_int|_bool)\(\s*"([A-Z_][A-Z0-9_]*)"', source))
    for group in re.findall(r"for name in \(([^)]*)\)", source):
        names |= set(re.findall(r'"([A-Z_][A-Z0-9_]*)"', group))
    return names


def test_every_setting_the_code_reads_is_in_the_readme_table():
    table = "\n".join(line for line in README.split("## Configuration", 1)[1].split("\n## ", 1)[0].splitlines()
                      if line.startswith("| `"))
    documented = set(re.findall(r"`([A-Z_][A-Z0-9_]*)`", table))
    missing = settings_config_reads() - documented
    assert not missing, f"settings config.py reads that README's table does not name: {sorted(missing)}"


@pytest.mark.parametrize("name", ["TEST_DATABASE_URL"])
def test_the_readme_keeps_the_test_settings(name):
    assert f"`{name}`" in README


def test_check_says_so_when_it_read_no_settings(tmp_path):
    from tests.admin.test_check import run_check

    result = run_check(tmp_path, DATABASE_URL=None, SECRET_KEY=None, SITE_URL=None)
    output = result.stdout + result.stderr
    assert "note: DATABASE_URL, SECRET_KEY and SITE_URL are all unset: this judges the defaults" in output
    assert "Traceback" not in output
