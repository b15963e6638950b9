"""QualityService: review workflow, rule precision, scorecards, promises and rule pack reload.

Thin: validates the request, calls QualityStore / ConversationStore, converts. Errors are domain
errors mapped to status codes in one place (api/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import grpc

from voc_service.api.convert import (
    PROMISE_STATUS_FROM_PB,
    SEVERITY_FROM_PB,
    SEVERITY_TO_PB,
    analysis_to_pb,
    conversation_to_pb,
    finding_to_pb,
    from_timestamp,
    promise_to_pb,
    set_timestamp,
)
from voc_service.api.pb import analysis_pb2
from voc_service.api.pb import quality_service_pb2 as pb
from voc_service.api.pb import quality_service_pb2_grpc as pb_grpc
from voc_service.config import Settings
from voc_service.domain import FailedPrecondition, InvalidInput, NotFound, Severity
from voc_service.pipeline import Pipeline
from voc_service.qa.pack import PackError
from voc_service.qa.stages import PROMISE_BROKEN
from voc_service.store import ConversationStore
from voc_service.store.quality import QualityStore, ReviewRow, ScorecardRow, decode_token, encode_token, page_size
from voc_service.text.redact import Redactor

MAX_NOTE_CHARS = 2000
_VERDICTS = {pb.Review.CONFIRMED: True, pb.Review.FALSE_POSITIVE: False}

ReloadRules = Callable[[], tuple[str, int]]


class QualityServicer(pb_grpc.QualityServiceServicer):
    def __init__(
        self, pipeline: Pipeline, store: ConversationStore, settings: Settings, reload_rules: ReloadRules
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.quality = QualityStore(store.engine)
        self.max_id = settings.max_id_chars
        self._reload = reload_rules
        self._redactor = Redactor()

    # --- review workflow ---------------------------------------------------------------------------

    def ListFlagged(self, request: pb.ListFlaggedRequest, context: grpc.ServicerContext) -> pb.ListFlaggedResponse:
        rows, token = self.quality.list_flagged(
            rule_id=request.rule_id,
            min_severity=SEVERITY_FROM_PB.get(request.severity),
            sku_id=request.sku_id,
            agent_id=request.agent_id,
            since=from_timestamp(request.since) if request.HasField("since") else None,
            until=from_timestamp(request.until) if request.HasField("until") else None,
            size=page_size(request.page_size),
            token=request.page_token,
        )
        out = pb.ListFlaggedResponse(next_page_token=token)
        for row in rows:
            item = out.conversations.add(
                conversation_id=row.conversation_id, agent_id=row.agent_id, sku_ids=row.sku_ids, score=row.quality.score
            )
            if row.occurred_at is not None:
                set_timestamp(item.started_at, row.occurred_at)
            for f in row.quality.findings:
                finding_to_pb(f, item.findings.add())
        return out

    def GetConversation(
        self, request: pb.GetConversationRequest, context: grpc.ServicerContext
    ) -> analysis_pb2.StoredConversation:
        self._id("conversation_id", request.conversation_id)
        got = self.store.get(request.conversation_id)
        if got is None:
            raise NotFound(f"no conversation {request.conversation_id!r}")
        conv, analysis, revision = got
        analysis.promises = self.quality.promises_of(conv.conversation_id)
        out = analysis_pb2.StoredConversation(
            conversation=conversation_to_pb(conv), analysis=analysis_to_pb(analysis), revision=revision
        )
        if conv.purged_at is not None:  # retention blanked the texts: say so, not just send empty turns
            set_timestamp(out.purged_at, conv.purged_at)
        return out

    def SubmitReview(self, request: pb.SubmitReviewRequest, context: grpc.ServicerContext) -> pb.Review:
        self._id("conversation_id", request.conversation_id)
        self._id("rule_id", request.rule_id)
        self._id("reviewer_id", request.reviewer_id)
        if request.verdict not in _VERDICTS:
            raise InvalidInput("verdict", "CONFIRMED or FALSE_POSITIVE")
        if len(request.note) > MAX_NOTE_CHARS:
            raise InvalidInput("note", f"at most {MAX_NOTE_CHARS} characters")
        note = self._redactor.redact(request.note).text  # a reviewer may quote the customer
        row = self.quality.submit_review(
            request.conversation_id, request.rule_id, _VERDICTS[request.verdict], note, request.reviewer_id,
            datetime.now(UTC),
        )
        return _review_pb(row)

    def ListReviews(self, request: pb.ListReviewsRequest, context: grpc.ServicerContext) -> pb.ListReviewsResponse:
        rows, token = self.quality.list_reviews(
            rule_id=request.rule_id,
            conversation_id=request.conversation_id,
            reviewer_id=request.reviewer_id,
            size=page_size(request.page_size),
            token=request.page_token,
        )
        return pb.ListReviewsResponse(reviews=[_review_pb(r) for r in rows], next_page_token=token)

    def ListRules(self, request: pb.ListRulesRequest, context: grpc.ServicerContext) -> pb.ListRulesResponse:
        stage = self._qa_stage()
        counts = self.quality.rule_counts()
        out = pb.ListRulesResponse(pack_version=stage.engine.version)
        rules = [
            (r.id, r.version, r.description, r.severity, r.deduction, r.pack) for r in stage.engine.ruleset.rules
        ]
        if self.pipeline.component("promises") is not None:  # the one rule that is not in a pack
            rules.append((PROMISE_BROKEN, 1, "客户反映之前的承诺未兑现（跨会话承诺跟踪）", Severity.CRITICAL, 0.0, "promises"))
        for rule_id, version, description, severity, deduction, pack in rules:
            c = counts.get(rule_id)
            info = out.rules.add(
                rule_id=rule_id, version=version, description=description,
                severity=SEVERITY_TO_PB[severity], deduction=deduction, pack=pack,
            )
            if c is not None:
                info.findings, info.reviewed, info.confirmed = c.findings, c.reviewed, c.confirmed
                if c.reviewed:
                    info.precision, info.has_precision = c.confirmed / c.reviewed, True
        return out

    def ReloadRules(self, request: pb.ReloadRulesRequest, context: grpc.ServicerContext) -> pb.ReloadRulesResponse:
        self._qa_stage()
        try:
            version, count = self._reload()
        except PackError as exc:
            raise InvalidInput(exc.field or "pack", str(exc)) from None
        return pb.ReloadRulesResponse(pack_version=version, rule_count=count)

    # --- scorecards ------------------------------------------------------------------------------

    def GetScorecard(self, request: pb.GetScorecardRequest, context: grpc.ServicerContext) -> pb.Scorecard:
        self._id("agent_id", request.agent_id)
        since, until = _window(request)
        rows = self.quality.scorecards(agent_id=request.agent_id, since=since, until=until)
        if not rows:
            raise NotFound(f"no inspected conversations of agent {request.agent_id!r} in that period")
        return _scorecard_pb(rows[0])

    def ListScorecards(
        self, request: pb.ListScorecardsRequest, context: grpc.ServicerContext
    ) -> pb.ListScorecardsResponse:
        if request.min_conversations < 0:
            raise InvalidInput("min_conversations", "must be >= 0")
        since, until = _window(request)
        size = page_size(request.page_size)
        after = decode_token(request.page_token, 1)
        start = 0 if after is None else after[0]
        if not isinstance(start, int) or start < 0:
            raise InvalidInput("page_token", "not a page token from this API (pass next_page_token back unchanged)")
        rows = [r for r in self.quality.scorecards(since=since, until=until) if r.conversations >= request.min_conversations]
        sign = -1 if request.best_first else 1
        rows.sort(key=lambda r: (sign * r.mean_score, r.agent_id))
        page = rows[start : start + size]
        token = encode_token([start + size]) if start + size < len(rows) else ""
        return pb.ListScorecardsResponse(scorecards=[_scorecard_pb(r) for r in page], next_page_token=token)

    # --- promises ----------------------------------------------------------------------------------

    def ListPromises(self, request: pb.ListPromisesRequest, context: grpc.ServicerContext) -> pb.ListPromisesResponse:
        statuses = []
        for k, s in enumerate(request.statuses):
            if s not in PROMISE_STATUS_FROM_PB:
                raise InvalidInput(f"statuses[{k}]", "OPEN, FULFILLED or BROKEN")
            statuses.append(PROMISE_STATUS_FROM_PB[s])
        rows, token = self.quality.list_promises(
            statuses=statuses,
            overdue_at=datetime.now(UTC) if request.overdue_only else None,
            customer_id=request.customer_id,
            order_id=request.order_id,
            size=page_size(request.page_size),
            token=request.page_token,
        )
        out = pb.ListPromisesResponse(next_page_token=token)
        for p in rows:
            promise_to_pb(p, out.promises.add())
        return out

    def RecordFulfilment(self, request: pb.RecordFulfilmentRequest, context: grpc.ServicerContext) -> analysis_pb2.Promise:
        self._id("promise_id", request.promise_id, limit=self.max_id + 32)
        if len(request.note) > MAX_NOTE_CHARS:
            raise InvalidInput("note", f"at most {MAX_NOTE_CHARS} characters")
        at = from_timestamp(request.fulfilled_at) if request.HasField("fulfilled_at") else datetime.now(UTC)
        promise = self.quality.record_fulfilment(request.promise_id, self._redactor.redact(request.note).text, at)
        msg = analysis_pb2.Promise()
        promise_to_pb(promise, msg)
        return msg

    # --- helpers --------------------------------------------------------------------------------

    def _id(self, name: str, value: str, limit: int | None = None) -> None:
        if not value:
            raise InvalidInput(name, "required")
        if len(value) > (limit or self.max_id):
            raise InvalidInput(name, f"at most {limit or self.max_id} characters")

    def _qa_stage(self):  # noqa: ANN202 - QaStage
        stage = self.pipeline.component("qa")
        if stage is None:
            raise FailedPrecondition("quality inspection is not configured (add 'qa' to VOC_STAGES)")
        return stage


def _window(request) -> tuple[datetime | None, datetime | None]:  # noqa: ANN001 - any request with since/until
    since = from_timestamp(request.since) if request.HasField("since") else None
    until = from_timestamp(request.until) if request.HasField("until") else None
    if since is not None and until is not None and until <= since:
        raise InvalidInput("until", "must be after since")
    return since, until


def _review_pb(row: ReviewRow) -> pb.Review:
    msg = pb.Review(
        conversation_id=row.conversation_id,
        rule_id=row.rule_id,
        verdict=pb.Review.CONFIRMED if row.confirmed else pb.Review.FALSE_POSITIVE,
        note=row.note,
        reviewer_id=row.reviewer_id,
        rule_version=row.rule_version,
    )
    set_timestamp(msg.reviewed_at, row.reviewed_at)
    return msg


def _scorecard_pb(row: ScorecardRow) -> pb.Scorecard:
    return pb.Scorecard(
        agent_id=row.agent_id,
        conversations=row.conversations,
        mean_score=row.mean_score,
        flagged_rate=row.flagged_rate,
        findings_by_rule=row.findings_by_rule,
        mean_first_response_seconds=row.mean_first_response_seconds,
        first_responses_measured=row.first_responses_measured,
    )
