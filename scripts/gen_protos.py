"""Regenerate the gRPC stubs in ``zeebe_router/_proto`` from ``proto/gateway.proto``.

Usage: ``python scripts/gen_protos.py [OUT_DIR]`` (default: ``zeebe_router/_proto``).
The output is deterministic so that a test can regenerate into a temporary folder and
compare it byte for byte with the committed stubs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"


def generate(out_dir: Path) -> None:
    """Run protoc (with the mypy-protobuf plugin) and make the imports package-relative."""
    out_dir.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    args = [
        "protoc",
        f"--plugin=protoc-gen-mypy={bin_dir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bin_dir / 'protoc-gen-mypy_grpc'}",
        f"-I{PROTO_DIR}",
        f"--python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        str(PROTO_DIR / "gateway.proto"),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for name in ("gateway_pb2_grpc.py", "gateway_pb2_grpc.pyi"):
        path = out_dir / name
        text = path.read_text()
        text = re.sub(r"^import gateway_pb2 as", "from . import gateway_pb2 as", text, flags=re.M)
        path.write_text(text)
    # A private descriptor pool: the same process may also load another copy of the Zeebe
    # protocol (pyzeebe registers `gateway_protocol.*` in the default pool), and the two
    # must not collide.
    pb2 = out_dir / "gateway_pb2.py"
    text = pb2.read_text()
    if "_descriptor_pool.Default().AddSerializedFile" not in text:
        raise SystemExit("unexpected protoc output: no default-pool registration to replace")
    text = text.replace(
        "_descriptor_pool.Default().AddSerializedFile",
        "_descriptor_pool.DescriptorPool().AddSerializedFile",
    )
    pb2.write_text(text)


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "zeebe_router" / "_proto")
