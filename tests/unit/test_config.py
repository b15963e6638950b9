from pathlib import Path

import pytest
from pydantic import ValidationError

from voc_service.config import Settings, load_settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [name for name in Settings.model_fields if f"`VOC_{name.upper()}`" not in DOC]
    assert missing == []


def test_env_then_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_PORT", "6000")
    monkeypatch.setenv("VOC_STAGES", '["validate","normalize"]')
    assert load_settings().port == 6000
    assert load_settings(port=7000).port == 7000
    assert load_settings(port=None).port == 6000  # a flag not given does not override
    assert load_settings().stages == ["validate", "normalize"]


def test_bad_values_are_rejected_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_PORT", "70000")
    with pytest.raises(ValidationError, match="port"):
        load_settings()
