"""Hall files: the shipped halls are valid, and every mistake is reported with the file, the key and the fault."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from queue_server.config.loader import ConfigError, load_hall_file, load_halls
from queue_server.core.passwords import hash_password, verify_password

GOOD = """
[hall]
id = "town"
name = "镇便民服务中心"

[[services]]
code = "A"
name = "社保"
name_en = "Social insurance"
minutes = 10

[[services]]
code = "B"
name = "户政"
name_en = "Household registration"
minutes = 6

[[windows]]
number = 1
services = ["A", "B"]

[[windows]]
number = 2
services = ["B"]
policy = "order"
tidal = true
"""


def write(tmp_path: Path, text: str, name: str = "town.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_halls(config_dir: Path) -> None:
    halls = load_halls(config_dir)
    assert set(halls) == {"demo", "allday"}
    for hall in halls.values():
        assert len(hall.services) >= 6
        assert len(hall.windows) >= 12
        assert sum(w.tidal for w in hall.windows) >= 2
        assert hall.timezone.key == "Asia/Shanghai"
        assert hall.rollover == time(3, 0)
        assert {"公安户政", "社保", "不动产", "税务", "出入境", "营业执照"} <= {s.name for s in hall.services}
        assert all(verify_password("tidequeue", c.password_hash) for c in hall.clerks[:2])


def test_defaults(tmp_path: Path) -> None:
    hall = load_hall_file(write(tmp_path, GOOD))
    assert hall.timezone.key == "Asia/Shanghai"
    assert hall.rollover == time(3, 0)
    assert hall.name_en == "town"
    assert hall.windows[0].policy == "oldest"
    assert hall.announcement == {}
    assert not hall.windows[0].tidal
    assert (hall.windows[1].policy, hall.windows[1].tidal) == ("order", True)


BAD = [
    # (replace this, with that, the error names)
    ('id = "town"', 'id = "Town Hall"', "hall.id: use 1-32 lower-case letters"),
    ('id = "town"\n', "", "hall.id: missing"),
    ('name = "镇便民服务中心"', 'name = ""', "hall.name: must not be empty"),
    (
        'name = "镇便民服务中心"',
        'name = "x"\ntimezone = "Mars/Olympus"',
        "hall.timezone: unknown time zone 'Mars/Olympus'",
    ),
    (
        'name = "镇便民服务中心"',
        'name = "x"\nrollover = "3am"',
        'hall.rollover: expected a time like "03:00"',
    ),
    ('name = "镇便民服务中心"', 'name = "x"\nrollover = 3', "hall.rollover: expected a time"),
    ('name = "镇便民服务中心"', 'name = "x"\nopen = true', "hall.open: unknown key"),
    ('name = "镇便民服务中心"', 'name = "x"\nannouncement = "请到{window}号窗口"', "hall.announcement: bad template"),
    ('name = "镇便民服务中心"', 'name = "x"\nannouncement_en = "{numbr} to {window}"', "hall.announcement_en: bad"),
    ('code = "A"', 'code = "AB"', "services[0].code: expected one capital letter"),
    ('code = "B"', 'code = "A"', "services[1].code: category 'A' is defined twice"),
    ("minutes = 10", "minutes = 0", "services[0].minutes: expected minutes per visitor between 0 and 480"),
    ("minutes = 10", 'minutes = "ten"', "services[0].minutes: expected a number of minutes, got str 'ten'"),
    ("minutes = 10", "minutes = true", "services[0].minutes: expected a number of minutes, got a boolean"),
    ('name_en = "Social insurance"\n', "", "services[0].name_en: missing"),
    ('services = ["A", "B"]', 'services = ["A", "Z"]', "windows[0].services: unknown category 'Z'"),
    (
        'services = ["A", "B"]',
        "services = []",
        "windows[0].services: a window must serve at least one category",
    ),
    ('services = ["A", "B"]', 'services = ["A", "A"]', "windows[0].services: a category is listed twice"),
    ('policy = "order"', 'policy = "random"', "windows[1].policy: expected one of oldest, order"),
    ("tidal = true", 'tidal = "yes"', "windows[1].tidal: expected true or false"),
    ("number = 2", "number = 1", "windows[1].number: window 1 is defined twice"),
    ("number = 2", "number = 0", "windows[1].number: expected a window number from 1 to 999"),
    ("[[windows]]\nnumber = 1", "[[windows]]\nnumbr = 1", "windows[0].numbr: unknown key"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_mistake_is_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as error:
        load_hall_file(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_clerks(tmp_path: Path) -> None:
    good_hash = hash_password("window-one")
    clerk = f'\n[[clerks]]\nusername = "li"\nname = "李"\npassword_hash = "{good_hash}"\nwindows = [1]\n'
    hall = load_hall_file(write(tmp_path, GOOD + clerk))
    assert hall.clerks[0].windows == (1,)
    for old, new, message in [
        ("windows = [1]", "windows = [9]", "clerks[0].windows: unknown window 9"),
        (good_hash, "secret", "clerks[0].password_hash: expected scrypt$N$r$p$salt$hash"),
        (good_hash, good_hash.replace("$16384$", "$3$"), "clerks[0].password_hash: the hash's parameters"),
        ('username = "li"', 'username = "li wei"', "clerks[0].username: use 1-32 letters"),
    ]:
        with pytest.raises(ConfigError, match=message.replace("$", r"\$").replace("[", r"\[")):
            load_hall_file(write(tmp_path, GOOD + clerk.replace(old, new)))
    with pytest.raises(ConfigError, match="clerk 'li' is defined twice"):
        load_hall_file(write(tmp_path, GOOD + clerk + clerk))


def test_not_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"town\.toml: not valid TOML"):
        load_hall_file(write(tmp_path, GOOD + "\n[[windows]\n"))


def test_folder_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration directory not found"):
        load_halls(tmp_path / "missing")
    with pytest.raises(ConfigError, match="no hall files"):
        load_halls(tmp_path)
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    with pytest.raises(ConfigError, match=r"b\.toml: hall\.id: 'town' is already defined in .*a\.toml"):
        load_halls(tmp_path)


def test_password_hashes() -> None:
    stored = hash_password("窗口密码")
    assert verify_password("窗口密码", stored)
    assert not verify_password("窗口密码 ", stored)
    assert not verify_password("x", "scrypt$garbage")
    assert hash_password("same") != hash_password("same")  # salted


@pytest.mark.parametrize(
    ("tidal", "message"),
    [
        ("[tidal]\nopen_at_minutes = 5\nclose_below_minutes = 10\n", "tidal.close_below_minutes:"),
        ("[tidal]\nopen_after_minutes = -1\n", "tidal.open_after_minutes: expected 0 to 1440"),
        ("[tidal]\nsurge = 1\n", "tidal.surge: unknown key"),
        ("[tidal]\nmax_per_service = -1\n", "tidal.max_per_service: expected 0 or more"),  # not close_below_minutes
        ('[[tidal.seasons]]\nname = "报税季"\nservice = "Z"\nstart = 2026-03-01\nend = 2026-05-31\nwindows = [2]\n',
         "tidal.seasons[0].service: unknown category 'Z'"),
        ('[[tidal.seasons]]\nname = "报税季"\nservice = "A"\nstart = 2026-03-01\nend = 2026-05-31\nwindows = [1]\n',
         "tidal.seasons[0].windows: window 1 is not a tidal window"),
        ('[[tidal.seasons]]\nname = "报税季"\nservice = "A"\nstart = 2026-05-01\nend = 2026-03-31\nwindows = [2]\n',
         "tidal.seasons[0].end: the season ends"),
    ],
)  # fmt: skip
def test_tidal_mistakes_are_named(tmp_path: Path, tidal: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_hall_file(write(tmp_path, GOOD + "\n" + tidal))


def test_a_clerks_display_name_is_what_visitors_see(tmp_path: Path, config_dir: Path) -> None:
    """窗口屏: the name on the window screen is the configured display name, never the username."""
    clerk = f'\n[[clerks]]\nusername = "li"\nname = "李"\npassword_hash = "{hash_password("window-one")}"\n'
    assert load_hall_file(write(tmp_path, GOOD + clerk)).clerks[0].display_name == ""
    named = load_hall_file(write(tmp_path, GOOD + clerk + 'display_name = "工号 07"\n'))
    assert named.clerks[0].display_name == "工号 07"
    with pytest.raises(ConfigError, match=re.escape("clerks[0].display_name")):
        load_hall_file(write(tmp_path, GOOD + clerk + f'display_name = "{"长" * 17}"\n'))
    demo = load_halls(config_dir)["demo"]
    assert all(c.display_name and c.display_name != c.username for c in demo.clerks if c.windows)
