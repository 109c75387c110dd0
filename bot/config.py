"""Settings: ``config.yaml`` overridden by environment variables, validated once."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.render_national import Province
from knowledge.national.select import NationalSelection
from knowledge.normalize import fold

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookSettings(_Section):
    """Where Telegram posts updates in webhook mode."""

    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "telegram"
    url: str | None = None
    secret_token: SecretStr | None = None
    # requests with a larger body are refused from their headers, before the body is read
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)


class MatchingSettings(_Section):
    """Score thresholds (0-100) between answer, suggestions and not found."""

    answer: float = 46.0
    suggest: float = 36.0
    margin: float = 2.0


class PrivacySettings(_Section):
    """How long raw questions are kept and the key that pseudonymises user ids."""

    user_key_secret: SecretStr | None = None
    raw_text_days: int = Field(default=90, ge=1)
    production: bool = False


class LimitSettings(_Section):
    """Per-user flood control and question length."""

    max_question_chars: int = Field(default=500, ge=20)
    flood_messages: int = Field(default=8, ge=1)
    flood_seconds: float = Field(default=10.0, gt=0)
    flood_taps: int = Field(default=30, ge=1)  # buttons and inline queries in the same window


_LEVELS = ("Cấp bộ", "Cấp tỉnh", "Cấp xã", "Cơ quan khác")  # levels of the national database
_CODE = re.compile(r"^\d+\.\d+$")


class NationalSettings(_Section):
    """Which records of the national catalogue this deployment serves (every filter set must
    pass; empty lists serve all)."""

    levels: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list)

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: list[str]) -> list[str]:
        known = {fold(level): level for level in _LEVELS}
        unknown = [v for v in value if fold(v) not in known]
        if unknown:
            raise ValueError(f"unknown level {unknown[0]!r}; one of: {', '.join(_LEVELS)}")
        return [known[fold(v)] for v in value]

    @field_validator("codes", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        # 1.001193 unquoted is a number in YAML, and its zeros may already be lost
        numbers = [v for v in value if isinstance(v, int | float)] if isinstance(value, list) else []
        if numbers:
            raise ValueError(f"{numbers[0]!r} was read as a number: quote national codes, e.g. '1.001193'")
        return value

    @field_validator("codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _CODE.match(str(v))]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a national code such as 1.001193")
        return value

    def selection(self) -> NationalSelection | None:
        """The selection for the loader; ``None`` serves every record."""
        chosen = NationalSelection(tuple(self.levels), tuple(self.domains), tuple(self.codes))
        return None if chosen.everything else chosen


class ProvinceSettings(_Section):
    """The deploying province's own facts, used where answers say where to submit."""

    name: str | None = None
    hotline: str | None = Field(default=None, pattern=r"^[0-9 .()+\-]{3,20}$")
    portal_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    centre_address: str | None = None

    def facts(self) -> Province:
        """The facts as answers show them."""
        return Province(self.name, self.hotline, self.portal_url, self.centre_address)


class Settings(_Section):
    """Everything the bot needs to run."""

    token: SecretStr | None = None
    api_base_url: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = WebhookSettings()
    database_url: str = "sqlite:///data/trolytthc.db"
    admin_ids: list[int] = Field(default_factory=list)
    knowledge_dir: Path = ROOT / "knowledge" / "data"
    cache_dir: Path | None = ROOT / "data" / "cache"
    matching: MatchingSettings = MatchingSettings()
    privacy: PrivacySettings = PrivacySettings()
    limits: LimitSettings = LimitSettings()
    log_buffer_size: int = Field(default=10_000, ge=10)
    # check-kb warns when a procedure was last checked longer ago than this
    checked_max_age_days: int = Field(default=180, ge=1)
    national: NationalSettings = NationalSettings()
    province: ProvinceSettings = ProvinceSettings()
    # HTTP connections to the Bot API; each reply in flight holds one while Telegram answers
    http_pool_size: int = Field(default=64, ge=1, le=1024)
    # this instance's name in the update journal (default: host name, and port in webhook mode)
    instance: str | None = Field(default=None, max_length=64)
    # python-telegram-bot's rate limiter keeps sending under Telegram's limits (and honours 429)
    telegram_rate_limit: bool = True

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        return parse_admin_ids(value, "admin_ids")

    def webhook_problem(self) -> str | None:
        """Why webhook mode cannot start with these settings, or None."""
        hook = self.webhook
        if not hook.url:
            return "webhook mode needs webhook.url (or WEBHOOK_URL)"
        secret = hook.secret_token.get_secret_value() if hook.secret_token else ""
        if not secret:
            return ("webhook mode needs a secret token (WEBHOOK_SECRET_TOKEN): without it anyone "
                    "who finds the URL can post updates as any user, admins included")
        if not _SECRET_CHARS.fullmatch(secret):
            return "WEBHOOK_SECRET_TOKEN may hold only A-Z, a-z, 0-9, _ and - (1 to 256 characters)"
        if self.privacy.production and len(secret) < MIN_PRODUCTION_SECRET:
            return (f"WEBHOOK_SECRET_TOKEN is too short for production: at least "
                    f"{MIN_PRODUCTION_SECRET} characters")
        return None

    def user_key(self) -> bytes:
        """The key that turns Telegram user ids into pseudonyms."""
        secret = self.privacy.user_key_secret
        if secret is None:
            if self.privacy.production:
                raise ConfigError("USER_KEY_SECRET is required in production mode")
            return b"trolytthc-development-key"
        return secret.get_secret_value().encode()


class ConfigError(Exception):
    """Settings are missing or invalid."""


MIN_PRODUCTION_SECRET = 32
_SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")
_USER_ID = re.compile(r"[1-9][0-9]{0,18}", re.ASCII)


def parse_admin_ids(value: Any, source: str) -> list[int]:
    """Telegram user ids from a list, one integer, or a text of ids separated by commas or spaces.

    Strict: only ASCII digits, no sign, no underscores, no booleans; ``source`` names where the
    value came from in the error.
    """
    if value is None:
        return []
    if isinstance(value, bool):
        raise ConfigError(f"{source}: admin ids must be numbers, not {value!r}")
    if isinstance(value, int):
        value = [value]
    elif isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value.strip()) if part]
    if not isinstance(value, list):
        raise ConfigError(f"{source}: admin ids must be a list of numbers")
    ids = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise ConfigError(f"{source}: {item!r} is not a Telegram user id")
        text = str(item).strip()
        if not _USER_ID.fullmatch(text) or int(text) >= 2**63:
            raise ConfigError(f"{source}: {item!r} is not a Telegram user id (positive ASCII digits)")
        ids.append(int(text))
    return ids


_ENV: dict[str, tuple[str, ...]] = {
    "TELEGRAM_BOT_TOKEN": ("token",),
    "TELEGRAM_API_BASE_URL": ("api_base_url",),
    "DATABASE_URL": ("database_url",),
    "ADMIN_IDS": ("admin_ids",),
    "BOT_MODE": ("mode",),
    "WEBHOOK_URL": ("webhook", "url"),
    "WEBHOOK_LISTEN": ("webhook", "listen"),
    "WEBHOOK_PORT": ("webhook", "port"),
    "WEBHOOK_SECRET_TOKEN": ("webhook", "secret_token"),
    "USER_KEY_SECRET": ("privacy", "user_key_secret"),
    "BOT_PRODUCTION": ("privacy", "production"),
    "KNOWLEDGE_DIR": ("knowledge_dir",),
    "BOT_INSTANCE": ("instance",),
}


def project_database_url(url: str) -> str:
    """A relative SQLite path is relative to the project, like the knowledge and cache folders,
    so that starting from another folder never splits the data."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    path = url[len(prefix):]
    if not path or path.startswith("/") or path.startswith(":memory:"):
        return url
    return prefix + str(ROOT / path)


def load_settings(path: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the YAML file (if any), apply environment overrides and validate."""
    env = dict(os.environ) if env is None else env
    path = Path(path) if path else Path(env.get("TROLY_CONFIG", DEFAULT_CONFIG))
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    for name, keys in _ENV.items():
        value = env.get(name)
        if value:
            target = data
            for key in keys[:-1]:
                target = target.setdefault(key, {})
            target[keys[-1]] = value
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the file must hold settings as `name: value` lines")
    source = "environment variable ADMIN_IDS" if env.get("ADMIN_IDS") else f"{path}: admin_ids"
    data["admin_ids"] = parse_admin_ids(data.get("admin_ids"), source)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ConfigError(f"{path}: {problems}") from None
    if not settings.knowledge_dir.is_absolute():
        settings.knowledge_dir = ROOT / settings.knowledge_dir
    if settings.cache_dir is not None and not settings.cache_dir.is_absolute():
        settings.cache_dir = ROOT / settings.cache_dir
    settings.database_url = project_database_url(settings.database_url)
    settings.user_key()  # refuses a missing key in production mode
    return settings
