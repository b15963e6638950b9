"""InsightsService: topics with counts, trends and affected SKUs; topic lineage events.

Thin: validates the window, reads the time buckets (store/insights.py) and the served topic model
(the `topic` stage of this process), converts. Errors are domain errors mapped in api/errors.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc

from voc_service.api.convert import from_timestamp, set_timestamp
from voc_service.api.limits import Slots
from voc_service.api.pb import insights_service_pb2 as pb
from voc_service.api.pb import insights_service_pb2_grpc as pb_grpc
from voc_service.config import Settings
from voc_service.domain import InvalidInput, NotFound
from voc_service.domain.errors import Overloaded
from voc_service.insights.buckets import Counts, bucket_start, sku_key
from voc_service.insights.experience import SkuExperience, SkuView, rank_key
from voc_service.insights.index import IndexConfig
from voc_service.pipeline import Pipeline
from voc_service.store import ConversationStore
from voc_service.store.insights import InsightsStore
from voc_service.store.quality import decode_token, encode_token, page_size
from voc_service.store.signals import SignalRow, SignalStore
from voc_service.store.topics import TopicRegistry
from voc_service.topics.model import OUTLIER, TopicModel

DEFAULT_WINDOW = timedelta(days=7)
MAX_POINTS = 2000


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime
    until: datetime
    resolution: int  # seconds per trend point


def parse_window(
    msg: pb.Window, bucket_seconds: int, now: datetime, field: str = "window", default_resolution: int = 0
) -> Window:
    until = from_timestamp(msg.until) if msg.HasField("until") else now
    since = from_timestamp(msg.since) if msg.HasField("since") else until - DEFAULT_WINDOW
    if since >= until:
        raise InvalidInput(f"{field}.since", "must be before window.until")
    resolution = msg.resolution_seconds or (
        default_resolution if default_resolution and default_resolution % bucket_seconds == 0 else bucket_seconds
    )
    if resolution < 0 or resolution % bucket_seconds:
        raise InvalidInput(f"{field}.resolution_seconds", f"must be a positive multiple of the bucket width ({bucket_seconds} s)")
    if (until - since).total_seconds() / resolution > MAX_POINTS:
        raise InvalidInput(f"{field}.resolution_seconds", f"the window would have more than {MAX_POINTS} points")
    return Window(since, until, resolution)


def _limit(value: int, default: int, maximum: int, field: str) -> int:
    if value < 0 or value > maximum:
        raise InvalidInput(field, f"between 0 and {maximum} (0 = {default})")
    return value or default


def _share(part: int, whole: int) -> float:
    return part / whole if whole > 0 else 0.0


def trend(points: Sequence[tuple[datetime, Counts]], resolution: int) -> list[tuple[datetime, Counts]]:
    """Buckets summed into points of ``resolution`` seconds (same Beijing alignment)."""
    out: dict[datetime, Counts] = {}
    for start, c in points:
        acc = out.setdefault(bucket_start(start, resolution), Counts())
        for name, value in c.as_row().items():
            setattr(acc, name, getattr(acc, name) + value)
    return sorted(out.items())


class InsightsServicer(pb_grpc.InsightsServiceServicer):
    def __init__(
        self, pipeline: Pipeline, store: ConversationStore, settings: Settings, watch_poll_seconds: float = 0.5
    ) -> None:
        self.pipeline = pipeline
        self.insights = InsightsStore(store.engine)
        self.registry = TopicRegistry(store.engine)
        self.bucket_seconds = settings.bucket_seconds
        self.skus = SkuExperience(self.insights, IndexConfig(prior_conversations=settings.index_prior_conversations))
        self.signals = SignalStore(store.engine)
        self.width = timedelta(seconds=settings.bucket_seconds)
        self.watch_poll = watch_poll_seconds
        # a stream holds a handler thread while its caller listens: only some may be open
        self.watchers = Slots(settings.watch_stream_limit())

    def _model(self) -> TopicModel | None:
        stage = self.pipeline.component("topic")
        return None if stage is None else stage.model  # type: ignore[attr-defined]

    def _summary(self, model: TopicModel, topic_id: int, counts: Counts | None, out: pb.TopicSummary) -> None:
        topic = model.by_id[topic_id]
        lineage = {x.topic_id: x.kind for x in model.lineage}
        out.id, out.label, out.fitted_size = topic.id, topic.label, topic.size
        out.lineage = lineage.get(topic.id, "new")
        out.keywords.extend(pb.Keyword(word=w, weight=s) for w, s in topic.keywords)
        if counts is not None:
            out.conversations, out.complaints = counts.conversations, counts.complaints
            out.complaint_share = _share(counts.complaints, counts.conversations)

    def _trend(self, points: Sequence[tuple[datetime, Counts]], resolution: int, out: pb.TopicSummary) -> None:
        for start, c in trend(points, resolution):
            p = out.trend.add(
                conversations=c.conversations, complaints=c.complaints, negative_turns=c.negative_turns,
                flagged=c.flagged, mean_sentiment=c.sentiment_sum / c.sentiment_n if c.sentiment_n else 0.0,
            )
            set_timestamp(p.start, start)

    def ListTopics(self, request: pb.ListTopicsRequest, context: grpc.ServicerContext) -> pb.ListTopicsResponse:
        window = parse_window(request.window, self.bucket_seconds, datetime.now(UTC))
        out = pb.ListTopicsResponse(bucket_seconds=self.bucket_seconds)
        model = self._model()
        if model is None:
            return out
        out.model_version = model.version
        totals = self.insights.topic_totals(window.since, window.until)
        series = self.insights.series_by_topic(window.since, window.until) if request.include_trend else {}
        out.outlier_conversations = totals[OUTLIER].conversations if OUTLIER in totals else 0
        order = sorted(model.topics, key=lambda t: (-(totals[t.id].conversations if t.id in totals else 0), t.id))
        for topic in order:
            item = out.topics.add()
            self._summary(model, topic.id, totals.get(topic.id), item)
            if request.include_trend:
                self._trend(series.get(topic.id, []), window.resolution, item)
        return out

    def GetTopic(self, request: pb.GetTopicRequest, context: grpc.ServicerContext) -> pb.TopicDetail:
        window = parse_window(request.window, self.bucket_seconds, datetime.now(UTC))
        skus = _limit(request.sku_limit, 10, 100, "sku_limit")
        examples = _limit(request.example_limit, 5, 50, "example_limit")
        model = self._model()
        if model is None or request.topic_id not in model.by_id:
            raise NotFound(f"no topic {request.topic_id} in the served topic model")
        out = pb.TopicDetail(model_version=model.version)
        points = self.insights.series(f"topic:{request.topic_id}", window.since, window.until)
        total = Counts()
        for _start, c in points:
            total.conversations += c.conversations
            total.complaints += c.complaints
        self._summary(model, request.topic_id, total, out.topic)
        self._trend(points, window.resolution, out.topic)
        out.fit_examples.extend(model.by_id[request.topic_id].examples)
        for ex in self.insights.topic_examples(request.topic_id, model.version, window.since, window.until, examples):
            payload = json.loads(ex.payload)
            item = out.examples.add(
                conversation_id=ex.conversation_id,
                customer_text="，".join(text for role, text, _ts, _agent in payload["turns"] if role == "CUSTOMER"),
                probability=ex.probability,
            )
            if ex.occurred_at is not None:
                set_timestamp(item.occurred_at, ex.occurred_at)
        per_class = {x["class"]: x["keywords"] for x in model.by_id[request.topic_id].classes}
        for sku, c, of_sku in self.insights.topic_skus(request.topic_id, window.since, window.until, skus):
            out.skus.add(
                sku_id=sku, conversations=c.conversations, complaints=c.complaints,
                complaint_share=_share(c.complaints, c.conversations), share_of_sku=_share(c.conversations, of_sku),
                fit_keywords=per_class.get(sku, []),
            )
        return out

    def ListTopicEvents(
        self, request: pb.ListTopicEventsRequest, context: grpc.ServicerContext
    ) -> pb.ListTopicEventsResponse:
        if request.after_event_id < 0:
            raise InvalidInput("after_event_id", "must be >= 0")
        size = _limit(request.page_size, 100, 1000, "page_size")
        events = self.registry.events(request.after_event_id, size, request.kind)
        out = pb.ListTopicEventsResponse(last_event_id=events[-1].event_id if events else request.after_event_id)
        for e in events:
            item = out.events.add(
                event_id=e.event_id, model_version=e.model_version, kind=e.kind, topic_id=e.topic_id,
                previous_ids=e.previous_ids, label=e.label,
            )
            set_timestamp(item.created_at, e.created_at)
        return out

    # --- SKU experience ------------------------------------------------------------------------

    def GetSkuExperience(self, request: pb.GetSkuExperienceRequest, context: grpc.ServicerContext) -> pb.SkuExperience:
        if not request.sku_id:
            raise InvalidInput("sku_id", "required")
        window = parse_window(request.window, self.bucket_seconds, datetime.now(UTC), default_resolution=86400)
        limit = _limit(request.topic_limit, 5, 50, "topic_limit")
        points = trend(self.insights.series(sku_key(request.sku_id), window.since, window.until), window.resolution)
        got = self.skus.one(request.sku_id, window.since, window.until, points)
        if got is None:
            raise NotFound(f"SKU {request.sku_id!r} has no conversation in the window")
        view, indexed = got
        out = _sku_pb(view)
        for start, index, c in indexed:
            p = out.trend.add(index=index, conversations=c.conversations, complaints=c.complaints)
            set_timestamp(p.start, start)
        model = self._model()
        for topic_id, c in self.insights.sku_topics(request.sku_id, window.since, window.until, limit):
            topic = model.by_id.get(topic_id) if model is not None else None
            out.top_complaint_topics.add(
                topic_id=topic_id, label=topic.label if topic is not None else "",
                conversations=c.conversations, complaints=c.complaints,
            )
        return out

    def ListSkuExperience(
        self, request: pb.ListSkuExperienceRequest, context: grpc.ServicerContext
    ) -> pb.ListSkuExperienceResponse:
        window = parse_window(request.window, self.bucket_seconds, datetime.now(UTC))
        if request.min_conversations < 0:
            raise InvalidInput("min_conversations", "must be >= 0")
        size = page_size(request.page_size)
        after = decode_token(request.page_token, 2)
        views = self.skus.ranked(
            window.since, window.until, request.category or None, request.min_conversations, request.best_first
        )
        if after is not None:
            key = (float(after[0]), str(after[1]))
            views_after = [v for v in views if rank_key(v, request.best_first) > key]
        else:
            views_after = views
        page = views_after[:size]
        token = encode_token(list(rank_key(page[-1], request.best_first))) if len(views_after) > size else ""
        return pb.ListSkuExperienceResponse(skus=[_sku_pb(v) for v in page], next_page_token=token, total=len(views))


    # --- signals -------------------------------------------------------------------------------

    def ListSignals(self, request: pb.ListSignalsRequest, context: grpc.ServicerContext) -> pb.ListSignalsResponse:
        size = page_size(request.page_size)
        after = decode_token(request.page_token, 1)
        if request.kind and request.kind not in SIGNAL_KINDS:
            raise InvalidInput("kind", f"one of {', '.join(SIGNAL_KINDS)}")
        rows = self.signals.list(
            status=_STATUS_FROM_PB.get(request.status, ""), kind=request.kind, sku_id=request.sku_id,
            topic_id=request.topic_id if request.filter_topic else None,
            since=from_timestamp(request.since) if request.HasField("since") else None,
            after_id=int(after[0]) if after is not None else None, limit=size + 1,
        )
        token = encode_token([rows[size - 1].signal_id]) if len(rows) > size else ""
        return pb.ListSignalsResponse(signals=[self._signal_pb(r) for r in rows[:size]], next_page_token=token)

    def WatchSignals(self, request: pb.WatchSignalsRequest, context: grpc.ServicerContext) -> Iterator[pb.SignalEvent]:
        """Events in commit order from the store (so every replica streams the same sequence),
        polled while the caller listens; the stream ends when the caller cancels or the server stops."""
        if request.after_sequence < 0:
            raise InvalidInput("after_sequence", "must be >= 0")
        if not self.watchers.try_acquire():
            raise Overloaded(f"too many open WatchSignals streams (limit {self.watchers.size}); retry later")
        try:
            yield from self._watch(request.after_sequence, context)
        finally:
            self.watchers.release()

    def _watch(self, seq: int, context: grpc.ServicerContext) -> Iterator[pb.SignalEvent]:
        while context.is_active():
            events = self.signals.events_after(seq)
            for event_id, kind, row in events:
                yield pb.SignalEvent(sequence=event_id, kind=_EVENT_KIND_TO_PB[kind], signal=self._signal_pb(row))
                seq = event_id
            if not events:
                time.sleep(self.watch_poll)

    def _signal_pb(self, r: SignalRow) -> pb.Signal:
        out = pb.Signal(
            signal_id=r.signal_id, kind=r.kind, sku_id=r.sku_id, topic_id=r.topic_id if r.topic_id is not None else 0,
            has_topic=r.topic_id is not None, observed=r.observed, expected=r.expected, score=r.score,
            peak_score=r.peak_score, severity=r.severity, status=_STATUS_TO_PB[r.status], keywords=r.keywords,
            evidence_conversation_ids=r.evidence,
        )
        set_timestamp(out.window_start, r.opened_bucket)
        set_timestamp(out.window_end, r.last_bucket + self.width)
        if r.resolved_bucket is not None:
            set_timestamp(out.resolved_at, r.resolved_bucket)
        return out


SIGNAL_KINDS = ("sku", "topic", "sku_topic", "new_topic")
_STATUS_TO_PB = {"open": pb.Signal.OPEN, "resolved": pb.Signal.RESOLVED}
_STATUS_FROM_PB = {v: k for k, v in _STATUS_TO_PB.items()}
_EVENT_KIND_TO_PB = {"opened": pb.SignalEvent.OPENED, "resolved": pb.SignalEvent.RESOLVED}


def _sku_pb(v: SkuView) -> pb.SkuExperience:
    return pb.SkuExperience(
        sku_id=v.sku_id, category=v.category, index=v.index, index_low=v.low, index_high=v.high,
        conversations=v.conversations, complaints=v.complaints, prior_index=v.prior_index,
        components=pb.ExperienceComponents(
            complaint_share=v.complaint_share, raw_complaint_share=v.raw_complaint_share, sentiment=v.sentiment,
            raw_sentiment=v.raw_sentiment, flagged_share=v.flagged_share, negative_share=v.negative_share,
            raw_negative_share=v.raw_negative_share,
        ),
    )
