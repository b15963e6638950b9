from datetime import UTC, datetime, timedelta

import pytest

from voc_service.config import Settings
from voc_service.domain import Conversation, InvalidInput, LimitExceeded, Outcome, Role, Turn
from voc_service.pipeline import Pipeline, stages

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PIPE = Pipeline.from_settings(Settings(max_turns=5, max_turn_chars=50))


def conv(*texts: str, cid: str = "c1") -> Conversation:
    return Conversation(
        cid, [Turn(Role.CUSTOMER, t, T0 + timedelta(seconds=i)) for i, t in enumerate(texts)], started_at=T0
    )


def test_stages_run_in_order_and_nothing_raw_remains() -> None:
    a = PIPE.analyze(conv("我的电话：１３８１２３４５６７８，  七天无理由退货"))
    turn = a.turns[0]
    assert turn.text == "我的电话:<PHONE>, 七天无理由退货"
    assert turn.tokens == ["我", "的", "电话", ":", "<PHONE>", ",", "七天无理由退货"]
    assert turn.spaces == [False, False, False, False, False, True, False]
    assert a.versions.keys() == {
        "pipeline", "validate", "normalize", "redact", "segment", "entities", "emotion", "sentiment",
        "conversation_sentiment", "qa", "promises", "topic",
    }


def test_attributes_are_redacted_too() -> None:
    c = conv("你好")
    c.attributes = {"note": "回拨13812345678"}
    work = PIPE.run(c)
    assert work.attributes == {"note": "回拨<PHONE>"}
    assert work.stored_conversation().attributes == {"note": "回拨<PHONE>"}
    assert c.attributes == {"note": "回拨13812345678"}  # the caller's object is not modified


@pytest.mark.parametrize(
    ("conversation", "error", "field"),
    [
        (conv("好", cid=""), InvalidInput, "conversation.conversation_id"),
        (conv(), InvalidInput, "conversation.turns"),
        (conv(*["好"] * 6), LimitExceeded, "conversation.turns"),
        (conv("好" * 51), LimitExceeded, "conversation.turns[0].text"),
        (conv("好", cid="a\x00b"), InvalidInput, "conversation.conversation_id"),
    ],
)
def test_validation(conversation: Conversation, error: type, field: str) -> None:
    with pytest.raises(error) as info:
        PIPE.analyze(conversation)
    assert info.value.field == field


def test_a_bad_conversation_does_not_spoil_the_batch() -> None:
    results = PIPE.process([conv("好"), conv("好", cid=""), conv("好的", cid="c3")], persist=False)
    assert [r.outcome for r in results] == [Outcome.NOT_STORED, Outcome.REJECTED, Outcome.NOT_STORED]
    assert results[1].error is not None and results[1].error.field == "conversation.conversation_id"


def test_config_selects_stages_and_rejects_unknown_ones() -> None:
    short = Pipeline.from_settings(Settings(stages=["validate", "normalize"]))
    assert short.analyze(conv("ＡＢＣ")).turns[0].text == "ABC"
    with pytest.raises(ValueError, match="unknown pipeline stage"):
        Pipeline.from_settings(Settings(stages=["validate", "sentiment-that-does-not-exist"]))
    assert {"validate", "normalize", "redact", "segment", "entities", "emotion"} <= set(stages.get_all())


def test_segmenter_backend_comes_from_config() -> None:
    p = Pipeline.from_settings(Settings(segmenter="jieba"))
    assert p.versions["segment"].startswith("jieba:")


class Explode:
    """A stage with a bug that only some conversations trigger."""

    name = "explode"
    version = "test"

    def __init__(self, settings: Settings) -> None:
        pass

    def __call__(self, work) -> None:  # noqa: ANN001
        if work.conversation.conversation_id == "boom":
            raise KeyError("秘密 13812345678")


stages.register("explode-test", func=Explode)


def test_a_stage_bug_rejects_only_that_conversation_and_logs_no_text(caplog: pytest.LogCaptureFixture) -> None:
    pipe = Pipeline.from_settings(Settings(stages=["validate", "normalize", "explode-test"]))
    results = pipe.process([conv("好"), conv("好", cid="boom"), conv("好的", cid="c3")], persist=False)
    assert [r.outcome for r in results] == [Outcome.NOT_STORED, Outcome.REJECTED, Outcome.NOT_STORED]
    assert type(results[1].error).__name__ == "InternalError"
    [record] = [r for r in caplog.records if r.name == "voc_service.pipeline"]
    everything = str(record.__dict__)
    assert record.error == "KeyError" and record.where.startswith("test_pipeline.py:")
    assert "13812345678" not in everything and "秘密" not in everything
