"""Configuration: TOML + environment, validated; one clear line per problem; secrets never shown."""

import json
import tomllib
import typing
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from nianbao.workflow.config import (
    Config,
    ConfigError,
    CountySettings,
    config_path,
    load_config,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"
TOKEN = "123456:SECRET-token_value"
ENV = {"NIANBAO_TELEGRAM_TOKEN": TOKEN}


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | None, env=None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env if env is not None else {})
    message = str(caught.value)
    assert "\n" not in message, "one line"
    assert TOKEN not in message
    return message


# ---- the example file ------------------------------------------------------------------------


def _model_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        models = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(models) == 1:  # an optional section (telegram: only the web front end may run without it)
            annotation = models[0]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _model_keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def _file_keys(data: dict) -> set[str]:
    keys = set()
    for section, table in data.items():
        if section == "counties":  # each county documents the per-county keys
            for county in table.values():
                keys |= {f"counties.{key}" for key in county}
        else:
            keys |= {f"{section}.{key}" for key in table}
    return keys


def test_example_file_is_valid_but_refused_until_its_placeholders_are_filled(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_config(EXAMPLE, {})
    assert str(refused.value) == f"{EXAMPLE}: 请先填写 telegram.token（现在还是 config.example.toml 里的示例值）"
    with pytest.raises(ConfigError, match="请先填写 admins.super_admins"):
        load_config(EXAMPLE, {"NIANBAO_TELEGRAM_TOKEN": TOKEN})
    filled = tmp_path / "config.toml"
    filled.write_text(EXAMPLE.read_text(encoding="utf-8").replace("111111111", "123456789"), encoding="utf-8")
    with pytest.raises(ConfigError, match="请先填写 counties.托里县.admins"):
        load_config(filled, {"NIANBAO_TELEGRAM_TOKEN": TOKEN})
    filled.write_text(filled.read_text(encoding="utf-8").replace("222222222", "234567891"), encoding="utf-8")
    config = load_config(filled, {"NIANBAO_TELEGRAM_TOKEN": TOKEN})
    assert config.counties["托里县"].review_group == -1001234567890


def test_example_file_documents_every_key():
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    in_file = _file_keys(data)
    expected = _model_keys(Config) - {"counties"}
    expected |= {f"counties.{k}" for k in CountySettings.model_fields}
    assert expected <= in_file, f"undocumented: {sorted(expected - in_file)}"
    # Every key line has a comment right above it (or above its group of comments).
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[i - 1].lstrip().startswith("#"), f"line {i + 1} has no comment: {line}"


# ---- defaults and environment ----------------------------------------------------------------


def test_environment_alone_is_enough(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, ENV)
    assert config.telegram.token.get_secret_value() == TOKEN
    assert config.telegram.mode == "polling"
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.database.url == "sqlite:///nianbao.sqlite"
    assert config.invites.ttl == timedelta(hours=72)
    assert config.review.deadline(2024) == date(2025, 1, 31)
    assert config.logging.level == "INFO"
    assert config.admins.super_admins == [] and config.counties == {}


def test_environment_token_overrides_file(tmp_path):
    path = write(tmp_path, '[telegram]\ntoken = "1:from-file"\n')
    assert load_config(path, {}).telegram.token.get_secret_value() == "1:from-file"
    assert load_config(path, ENV).telegram.token.get_secret_value() == TOKEN


def test_webhook_needs_url_and_secret_and_takes_secret_from_env(tmp_path):
    path = write(tmp_path, '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.org/hook"\n')
    message = error_of(path, ENV)
    assert "telegram.webhook_secret: 缺少此项" in message and "NIANBAO_WEBHOOK_SECRET" in message
    config = load_config(path, {**ENV, "NIANBAO_WEBHOOK_SECRET": "s3cret_-X"})
    assert config.telegram.webhook_secret.get_secret_value() == "s3cret_-X"
    assert "telegram.webhook_url: 缺少此项" in error_of(write(tmp_path, '[telegram]\nmode = "webhook"\n'),
                                                     {**ENV, "NIANBAO_WEBHOOK_SECRET": "s"})


def test_command_line_webhook_switches_mode_and_still_needs_secret(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="telegram.webhook_secret"):
        load_config(None, ENV, webhook_url="https://bot.example.org/hook")
    config = load_config(None, {**ENV, "NIANBAO_WEBHOOK_SECRET": "abc"}, webhook_url="https://bot.example.org/hook")
    assert (config.telegram.mode, config.telegram.webhook_url) == ("webhook", "https://bot.example.org/hook")
    with pytest.raises(ConfigError, match="telegram.webhook_url"):
        load_config(None, {**ENV, "NIANBAO_WEBHOOK_SECRET": "abc"}, webhook_url="bot.example.org")


def test_secrets_never_appear_in_repr_str_or_errors(tmp_path):
    path = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\nwebhook_secret = "hush-hush"\n')
    config = load_config(path, {})
    for text in (repr(config), str(config), repr(config.telegram), str(config.model_dump())):
        assert TOKEN not in text and "hush-hush" not in text
    # A malformed token is reported without echoing it.
    bad = write(tmp_path, '[telegram]\ntoken = "SECRET-token_value no colon"\n')
    message = error_of(bad)
    assert message.startswith(f"{bad}: telegram.token: 取值无效") and "SECRET" not in message


def test_missing_token_names_env_and_key(tmp_path):
    path = write(tmp_path, "[database]\nurl = 'sqlite://'\n")
    message = error_of(path)
    assert message.startswith(f"{path}: telegram.token: 缺少此项 — ")
    assert "NIANBAO_TELEGRAM_TOKEN" in message and "telegram.token" in message


# ---- one clear line per bad value ------------------------------------------------------------

BAD = [
    ('[telegram]\nmode = "hook"\n', "telegram.mode", '"polling" 或 "webhook"'),
    ("[telegram]\nwebhook_port = 0\n", "telegram.webhook_port", "8443"),
    ('[telegram]\nwebhook_port = "abc"\n', "telegram.webhook_port", "8443"),
    ('[telegram]\nbase_url = "ftp://x"\n', "telegram.base_url", "https://api.telegram.org/bot"),
    ('[telegram]\nwebhook_secret = "has space"\n', "telegram.webhook_secret", "1–256"),
    ('[telegram]\ntokn = "x"\n', "telegram.tokn: 未知的配置项", "config.example.toml"),
    ('[telgram]\nx = 1\n', "telgram: 未知的配置项", "config.example.toml"),
    ('[database]\nurl = "no-scheme"\n', "database.url", "sqlite:///nianbao.sqlite"),
    ('[admins]\nsuper_admins = ["123"]\n', "admins.super_admins[0]", "super_admins = [123456789]"),
    ("[invites]\nttl_hours = 0\n", "invites.ttl_hours", "ttl_hours = 72"),
    ('[review]\ndeadline_month_day = "13-01"\n', "review.deadline_month_day", '"01-31"'),
    ('[review]\ndeadline_month_day = "02-29"\n', "review.deadline_month_day", '"01-31"'),
    ('[review]\ndeadline_month_day = "1-31"\n', "review.deadline_month_day", '"01-31"'),
    ('[logging]\nlevel = "LOUD"\n', "logging.level", 'level = "INFO"'),
    ('[counties."托里县"]\nreview_group = 5\n', 'counties."托里县".review_group', "-1001234567890"),
    ('[counties."托里县"]\nadmins = [true]\n', 'counties."托里县".admins[0]', "admins = [123456789]"),
    ('[counties."托里县"]\nprompts = { organ = "{{ organ" }\n', 'counties."托里县".prompts.organ', "line 1"),
    ('[counties."托里县"]\nnarratives = { proactive = "{% if x %}" }\n',
     'counties."托里县".narratives.proactive', "jinja2"),
    ('[counties."托里县"]\nprompts = { organ = "" }\n', 'counties."托里县".prompts.organ', "jinja2"),
    ('[counties.""]\nadmins = []\n', "counties: 取值无效", '[counties."托里县"]'),
    ('[counties."托里县"]\nreviewers = []\n', 'counties."托里县".reviewers: 未知的配置项', ""),
]


@pytest.mark.parametrize("text,key,expected", BAD, ids=[b[1] for b in BAD])
def test_bad_value_gives_one_line_naming_the_key(tmp_path, text, key, expected):
    path = write(tmp_path, text)
    message = error_of(path, ENV)
    assert message.startswith(f"{path}: {key}"), message
    assert expected in message


def test_more_problems_are_counted(tmp_path):
    path = write(tmp_path, '[invites]\nttl_hours = 0\n[logging]\nlevel = "LOUD"\n')
    assert "另有 1 处问题" in error_of(path, ENV)


def test_log_level_is_case_insensitive(tmp_path):
    assert load_config(write(tmp_path, '[logging]\nlevel = "debug"\n'), ENV).logging.level == "DEBUG"


# ---- files -----------------------------------------------------------------------------------


def test_missing_file_is_reported(tmp_path):
    path = tmp_path / "nope.toml"
    message = error_of(path, ENV)
    assert message.startswith(f"{path}: 找不到配置文件") and "config.example.toml" in message


def test_unreadable_file_is_reported(tmp_path):
    message = error_of(tmp_path, ENV)  # a directory
    assert message.startswith(f"{tmp_path}: 无法读取配置文件")


def test_toml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, '[telegram]\nmode = "polling\n')
    message = error_of(path, ENV)
    assert message.startswith(f"{path}: 不是有效的 TOML") and "line 2" in message


def test_non_utf8_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes('[telegram]\nmode = "轮询"\n'.encode("gbk"))
    assert "UTF-8" in error_of(path, ENV)


def test_path_resolution(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config_path(None, {}) is None
    write(tmp_path, '[logging]\nlevel = "ERROR"\n')
    assert config_path(None, {}) == Path("config.toml")
    assert load_config(None, ENV).logging.level == "ERROR"
    other = write(tmp_path, '[logging]\nlevel = "WARNING"\n', "other.toml")
    env = {**ENV, "NIANBAO_CONFIG": str(other)}
    assert config_path(None, env) == other
    assert load_config(None, env).logging.level == "WARNING"
    assert config_path(tmp_path / "x.toml", env) == tmp_path / "x.toml"
    assert "找不到配置文件" in error_of(None, {**ENV, "NIANBAO_CONFIG": str(tmp_path / "gone.toml")})


# ---- helpers on the loaded config ------------------------------------------------------------


def test_county_helpers_and_immutability(tmp_path):
    path = write(tmp_path, """
[admins]
super_admins = [7]
[counties."托里县"]
admins = [8]
prompts = { organ = "请输入{{ county }}的机关" }
narratives = { proactive = "本年度……" }
""")
    config = load_config(path, ENV)
    assert config.is_super_admin(7) and not config.is_super_admin(8)
    assert config.county("托里县").admins == [8] and config.county("裕民县") is None
    assert config.county(None) is None
    assert config.county_template("托里县", "prompts.organ") == "请输入{{ county }}的机关"
    assert config.county_template("托里县", "narratives.proactive") == "本年度……"
    assert config.county_template("托里县", "prompts.year") is None
    assert config.county_template("托里县", "other.organ") is None
    assert config.county_template(None, "prompts.organ") is None
    with pytest.raises(ValidationError):
        config.logging.level = "DEBUG"


def test_every_key_has_a_hint_with_an_example_and_no_hint_is_stale():
    from nianbao.text import TEMPLATES

    table = tomllib.loads((TEMPLATES / "text" / "config.toml").read_text(encoding="utf-8"))
    hints = {key.removeprefix("hint.") for key in table if key.startswith("hint.")}
    keys = _model_keys(Config) - {"counties"}
    keys |= {"counties"} | {f"counties.{k}" for k in CountySettings.model_fields}
    assert hints == keys
    assert all("例如" in table[f"hint.{key}"] or "形如" in table[f"hint.{key}"] for key in hints)


# ---- the counties' texts: checked at start like an admin's edit (issue 10) ----------------------


def test_a_county_text_for_an_unknown_step_or_paragraph_stops_start_up_naming_a_few_valid_ones(tmp_path):
    message = error_of(write(tmp_path, '[counties."托里县".prompts]\norgn = "请输入机关全称"\n'), ENV)
    assert message.startswith(f'{tmp_path / "config.toml"}: counties."托里县".prompts.orgn: 没有这个问题步骤')
    assert "organ、" in message and "year" in message  # the closest first, then a few others
    message = error_of(write(tmp_path, '[counties."裕民县".narratives]\nreview = "本县……"\n'), ENV)
    assert 'counties."裕民县".narratives.review: 没有这个默认段落' in message and "review_practice" in message


@pytest.mark.parametrize("text, problem", [
    ("{{ organ * 40 }}", "运算符「*」"),                                              # growth
    ("{% set a = organ %}{% set b = a ~ a %}{{ b }}", "前面 set 出来的「a」"),           # the doubling bomb
    ("{{ no_such }}", "没有变量「no_such」"),
    ("{% if year == 2025 %}{{ organ|length / (year - 2025) }}{% endif %}本县", "除以 0"),  # fires in 2025 only
])
def test_a_county_text_the_checker_refuses_stops_start_up_with_the_first_problem(tmp_path, text, problem):
    path = write(tmp_path, f'[counties."托里县"]\nadmins = [8]\n[counties."托里县".narratives]\n'
                           f'assessment = "考核。"\nproactive = {json.dumps(text, ensure_ascii=False)}\n')
    message = error_of(path, ENV)
    assert 'counties."托里县".narratives.proactive: 模板没有通过检查' in message
    assert problem in message


def test_the_example_county_texts_pass_the_check(tmp_path):
    """config.example.toml's commented texts, uncommented, are accepted (the documentation is right)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("# organ = ", "organ = ").replace("# default_channels", "default_channels")
    text = text.replace("# review_practice", "review_practice").replace("# assessment", "assessment")
    text = text.replace("222222222", "8").replace("111111111", "7")
    config = load_config(write(tmp_path, text), {**ENV, "NIANBAO_WEBHOOK_SECRET": "k3J9"})
    county = config.counties["托里县"]
    assert set(county.prompts) == {"organ"} and len(county.narratives) == 3


def test_many_counties_sharing_texts_are_checked_once_each(tmp_path):
    from nianbao.workflow import config as config_module

    body = "".join(f'[counties."县{i:03d}县".narratives]\nassessment = "县人民政府将政务公开纳入考核（第 {i % 3} 类）。"\n'
                   f'default_channels = "政府门户网站、政务公开栏"\n' for i in range(300))
    config_module._template_problem.cache_clear()
    config = load_config(write(tmp_path, body), ENV)
    assert len(config.counties) == 300
    assert config_module._template_problem.cache_info().misses == 4  # 3 + 1 distinct (key, text) pairs


def test_a_checked_text_is_compiled_once_for_its_previews_and_the_interview(tmp_path):
    from nianbao.dialogs import template_check
    from nianbao.dialogs.prompts import Prompts
    from nianbao.dialogs.template_vars import sample_variables

    text = "托里县专用（一次编译）：请写报告机关全称。{% if proposal %}建议：{{ proposal }}{% endif %}"
    config = load_config(write(tmp_path, f'[counties."托里县".prompts]\norgan = "{text}"\n'), ENV)
    compiled = template_check._compiled.cache_info().misses
    prompts = Prompts(lambda county, key: config.county_template(county, key))
    for _ in range(3):  # the bot renders a county's question on every answer that shows it
        assert prompts.prompt("organ", "托里县", **sample_variables("prompts.organ")).startswith("托里县专用")
    assert template_check._compiled.cache_info().misses == compiled
