"""The .docx rendering process pool: real processes, renewed now and then to bound their memory."""

import io

from docx import Document

from nianbao.workflow import rendering
from nianbao.report.synth import consistent_report


def test_pool_renders_and_is_renewed(monkeypatch):
    monkeypatch.setattr(rendering, "RENDERS_PER_WORKER", 2)
    renderer = rendering.Renderer(workers=1)
    try:
        pools = []
        for seed in range(3):
            report = consistent_report(seed=seed)
            data = renderer(report, draft=False, title="测试标题")
            pools.append(renderer._pool)
            text = "".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
            assert "测试标题" in text and "草稿" not in text
        assert pools[0] is pools[1] and pools[2] is not pools[1]  # the third render went to a fresh pool
    finally:
        renderer.close()


def test_zero_workers_renders_in_the_calling_thread():
    renderer = rendering.Renderer(workers=0)
    assert Document(io.BytesIO(renderer(consistent_report()))).paragraphs
    assert renderer._pool is None
