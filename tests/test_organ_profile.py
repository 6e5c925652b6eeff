"""What an organ's reports share, kept once (schema v4: organs.level, address, phone), and the county
texts the default paragraphs quote, editable like any other paragraph."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import inspect, text

from nianbao.workflow.config import Config
from nianbao.workflow.storage import Store
from nianbao.workflow.storage.migrate import UPGRADES, latest_version
from nianbao.dialogs.template_vars import editable_keys, key_for, sample_variables

T0 = datetime(2025, 1, 10, tzinfo=timezone.utc)


def test_a_v3_database_gains_the_organ_profile_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    v3 = tuple(step for step in UPGRADES if step.version <= 3)
    old = Store.open(url, upgrades=v3)
    old.create_invite("托里县", "托里县哈图镇人民政府", by=1, ttl=timedelta(hours=1), now=T0)
    old.close()
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("organs")}
            assert {"level", "address", "phone"} <= columns
            assert conn.execute(text("SELECT version FROM schema_version")).scalar_one() == latest_version() >= 4
        assert store.organ_profile("托里县", "托里县哈图镇人民政府").level is None  # known only once told
        store.set_organ_profile("托里县", "托里县哈图镇人民政府", level="town", phone="0901-3651234")
        profile = store.organ_profile("托里县", "托里县哈图镇人民政府")
        assert (profile.level, profile.address, profile.phone) == ("town", None, "0901-3651234")
        assert store.organ_profile("托里县", "没有的机关").level is None
    finally:
        store.close()


def test_an_invite_with_a_level_sets_the_organs_level(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        store.create_invite("托里县", "托里县自然资源局", by=1, ttl=timedelta(hours=1), now=T0, level="county_department")
        assert store.organ_profile("托里县", "托里县自然资源局").level == "county_department"
    finally:
        store.close()


def test_the_county_texts_are_editable_paragraph_texts_with_every_variable():
    for name in ("default_channels", "review_practice", "assessment"):
        assert key_for("narratives", name) == f"narratives.{name}" in editable_keys()
    variables = sample_variables("narratives.management")
    assert {"review_practice", "assessment", "channels", "published", "accountability", "we"} <= set(variables)


def test_the_county_portal_is_configured_per_county():
    config = Config.model_validate({"telegram": {"token": "1:abc"},
                                    "counties": {"托里县": {"portal": "托里县人民政府门户网站"}}})
    assert config.portal("托里县") == "托里县人民政府门户网站"
    assert config.portal("裕民县") is None and config.portal(None) is None
