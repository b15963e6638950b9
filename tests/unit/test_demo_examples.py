"""The demo's analysed examples: three different conversations, each showing something of its own
(an earlier version picked the same conversation twice when the first with personal data was
also the first complaint)."""

from voc_service.demo import _examples, _scenario
from voc_service.synth import generate


def test_three_different_examples_of_three_kinds() -> None:
    cfg, _ = _scenario(300, 7)
    items = list(generate(cfg))
    first_pii = next(i for i in items if i.labels.pii)
    first_complaint = next(i for i in items if i.labels.complaint)
    both = [i for i in items if i.labels.pii and i.labels.complaint]
    assert both, "the generator plants personal data in complaints too: the case that repeated an example"
    pii, complaint, plain = _examples(items)
    assert len({x.conversation.conversation_id for x in (pii, complaint, plain)}) == 3
    assert pii.labels.pii and not pii.labels.complaint and first_pii.labels.pii
    assert complaint.labels.complaint and not complaint.labels.pii and first_complaint.labels.complaint
    assert not plain.labels.pii and not plain.labels.complaint
