"""The committed protocol is Camunda 8.9's gateway protocol, exactly."""

from __future__ import annotations

import filecmp
import importlib.util
import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from zeebe_router._proto import gateway_pb2

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "gateway-8.9.schema.txt"

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    value: name.removeprefix("TYPE_").lower()
    for name, value in _F.Type.items()
    if name not in ("TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP")
}


def _file(serialized: bytes) -> descriptor_pb2.FileDescriptorProto:
    return descriptor_pb2.FileDescriptorProto.FromString(serialized)


def _enum_line(prefix: str, enum: descriptor_pb2.EnumDescriptorProto) -> str:
    values = ", ".join(f"{v.name}={v.number}" for v in enum.value)
    return f"enum {prefix}{enum.name}: {values}"


def _message_lines(prefix: str, msg: descriptor_pb2.DescriptorProto) -> list[str]:
    name = f"{prefix}{msg.name}"
    lines = [_enum_line(f"{name}.", e) for e in msg.enum_type]
    for f in msg.field:
        label = "repeated" if f.label == _F.LABEL_REPEATED else "optional"
        kind = _SCALARS.get(f.type) or f.type_name.rsplit(".", 1)[-1]
        line = f"{name}.{f.name} = {f.number} {label} {kind}"
        if f.proto3_optional:
            line += " proto3_optional"
        elif f.HasField("oneof_index"):
            line += f" oneof={msg.oneof_decl[f.oneof_index].name}"
        if f.options.deprecated:
            line += " deprecated"
        lines.append(line)
    for nested in msg.nested_type:
        lines.extend(_message_lines(f"{name}.", nested))
    return lines


def schema_lines(fd: descriptor_pb2.FileDescriptorProto) -> set[str]:
    """Describe a file descriptor in the format of the published schema listing."""
    lines = {_enum_line("", e) for e in fd.enum_type}
    for msg in fd.message_type:
        lines.update(_message_lines("", msg))
    for service in fd.service:
        for m in service.method:
            source = "stream " if m.client_streaming else ""
            sink = "stream " if m.server_streaming else ""
            line = (
                f"rpc {m.name}({source}{m.input_type.rsplit('.', 1)[-1]}) -> "
                f"{sink}{m.output_type.rsplit('.', 1)[-1]}"
            )
            if m.options.deprecated:
                line += " deprecated"
            lines.add(line)
    return lines


OURS = _file(gateway_pb2.DESCRIPTOR.serialized_pb)


def test_package_and_service_names() -> None:
    assert OURS.package == "gateway_protocol"
    assert [s.name for s in OURS.service] == ["Gateway"]
    assert OURS.syntax == "proto3"


def test_every_line_of_the_published_8_9_schema_is_produced() -> None:
    expected = {
        line.strip()
        for line in SCHEMA.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert len(expected) > 280
    missing = sorted(expected - schema_lines(OURS))
    assert missing == []


def test_nothing_beyond_the_published_schema() -> None:
    expected = {
        line.strip()
        for line in SCHEMA.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert sorted(schema_lines(OURS) - expected) == []


EXPECTED_RPCS = {
    "ActivateJobs": (False, True),
    "StreamActivatedJobs": (False, True),
    "CancelProcessInstance": (False, False),
    "CompleteJob": (False, False),
    "CreateProcessInstance": (False, False),
    "CreateProcessInstanceWithResult": (False, False),
    "EvaluateDecision": (False, False),
    "DeployProcess": (False, False),
    "DeployResource": (False, False),
    "FailJob": (False, False),
    "ThrowError": (False, False),
    "PublishMessage": (False, False),
    "ResolveIncident": (False, False),
    "SetVariables": (False, False),
    "Topology": (False, False),
    "UpdateJobRetries": (False, False),
    "ModifyProcessInstance": (False, False),
    "MigrateProcessInstance": (False, False),
    "UpdateJobTimeout": (False, False),
    "DeleteResource": (False, False),
    "BroadcastSignal": (False, False),
    "EvaluateConditional": (False, False),
}


def test_the_22_rpcs_and_their_streaming_flags() -> None:
    methods = {m.name: (m.client_streaming, m.server_streaming) for m in OURS.service[0].method}
    assert methods == EXPECTED_RPCS
    assert len(methods) == 22


def test_pyzeebe_8_6_descriptor_is_a_subset_of_ours() -> None:
    pyzeebe_pb2 = pytest.importorskip("pyzeebe.proto.gateway_pb2")
    theirs = _file(pyzeebe_pb2.DESCRIPTOR.serialized_pb)
    assert theirs.package == OURS.package

    def fields(fd: descriptor_pb2.FileDescriptorProto) -> dict[str, tuple[object, ...]]:
        out: dict[str, tuple[object, ...]] = {}

        def walk(prefix: str, msg: descriptor_pb2.DescriptorProto) -> None:
            name = f"{prefix}{msg.name}"
            out[name] = ("message",)
            for f in msg.field:
                out[f"{name}.{f.name}"] = (f.number, f.type, f.label, f.type_name)
            for e in msg.enum_type:
                out[f"{name}.{e.name}"] = tuple((v.name, v.number) for v in e.value)
            for nested in msg.nested_type:
                walk(f"{name}.", nested)

        for msg in fd.message_type:
            walk("", msg)
        for e in fd.enum_type:
            out[e.name] = tuple((v.name, v.number) for v in e.value)
        for m in fd.service[0].method:
            out[f"rpc {m.name}"] = (
                m.input_type,
                m.output_type,
                m.client_streaming,
                m.server_streaming,
            )
        return out

    ours, old = fields(OURS), fields(theirs)
    assert len(old) > 250
    different = {
        key: (value, ours.get(key)) for key, value in old.items() if ours.get(key) != value
    }
    assert different == {}


def test_committed_stubs_match_a_fresh_generation(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_protos"] = module
    spec.loader.exec_module(module)
    module.generate(tmp_path)
    committed = ROOT / "zeebe_router" / "_proto"
    names = ["gateway_pb2.py", "gateway_pb2.pyi", "gateway_pb2_grpc.py", "gateway_pb2_grpc.pyi"]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path, committed, names, shallow=False)
    assert (mismatch, errors) == ([], []), "stale stubs: run `make proto` and commit"
    assert sorted(match) == sorted(names)
