"""The checked-in stubs must be exactly what protos/generate.py produces from protos/voc/v1."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_stubs_are_fresh(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "protos" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    fresh = {p.name: p.read_text(encoding="utf-8") for p in generate.generate(tmp_path)}
    checked_in_dir = ROOT / "voc_service" / "api" / "pb"
    checked_in = {
        p.name: p.read_text(encoding="utf-8") for p in checked_in_dir.iterdir() if p.suffix in (".py", ".pyi")
    }
    assert sorted(fresh) == sorted(checked_in), "stub files added or removed: run `make protos`"
    stale = [name for name in fresh if fresh[name] != checked_in[name]]
    assert not stale, f"stale stubs {stale}: run `make protos` and commit"
