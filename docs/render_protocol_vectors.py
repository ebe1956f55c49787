#!/usr/bin/env python3
"""Renders docs/protocol.md from docs/protocol.src.md and the golden vectors.
Run after changing the wire format on purpose (and after `-Dgolden.update=true`)."""
import pathlib
root = pathlib.Path(__file__).resolve().parent.parent
golden = root / "protocol/src/test/resources/golden"
order = ["hello", "hello-ack", "hello-ack-epoch", "write-data", "write-data-fua", "write-zero", "write-trim", "flush",
         "ack-durable", "ack-applied", "batch-raw", "batch-lz4", "heartbeat", "heartbeat-tap-paused", "error",
         "error-not-leader", "resync-regions", "verify-request", "verify-answer", "verify-answer-refused", "verify-repair"]
names = sorted(p.stem for p in golden.glob("*.hex"))
assert sorted(order) == names, f"vectors on disk {names} != listed {order}"
blocks = []
for name in order:
    blocks.append(f"### {name}\n\n<!-- golden: {name} -->\n```text\n{(golden / (name + '.hex')).read_text().strip()}\n```\n")
src = (root / "docs/protocol.src.md").read_text()
(root / "docs/protocol.md").write_text(src.replace("@@VECTORS@@", "\n".join(blocks)))
