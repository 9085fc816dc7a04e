from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeebe_router.testing._engine.bpmn import (
    MAX_DOCUMENT_BYTES,
    BpmnParseError,
    EndEvent,
    ErrorBoundaryEvent,
    ExclusiveGateway,
    IoMapping,
    ParallelGateway,
    ProcessDefinition,
    ServiceTask,
    StartEvent,
    parse_bpmn,
)

ORDER_PROCESS = Path(__file__).parent / "bpmn" / "order_process.bpmn"

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)

START = '<bpmn:startEvent id="start"/>'
TASK = (
    '<bpmn:serviceTask id="task"><bpmn:extensionElements>'
    '<zeebe:taskDefinition type="work"/></bpmn:extensionElements></bpmn:serviceTask>'
)
END = '<bpmn:endEvent id="end"/>'


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


LINEAR = START + TASK + END + flow("f1", "start", "task") + flow("f2", "task", "end")


def document(body: str, *, definitions: str = "", process_attrs: str = "") -> bytes:
    attrs = process_attrs or 'id="proc" name="Proc" isExecutable="true"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="defs">'
        f"<bpmn:process {attrs}>{body}</bpmn:process>{definitions}</bpmn:definitions>"
    ).encode()


def parse_one(body: str, **kwargs: str) -> ProcessDefinition:
    processes = parse_bpmn(document(body, **kwargs), "test.bpmn")
    assert len(processes) == 1
    return processes[0]


def rejection(data: bytes) -> str:
    with pytest.raises(BpmnParseError) as caught:
        parse_bpmn(data, "test.bpmn")
    message = str(caught.value)
    assert "'test.bpmn'" in message
    return message


# --- the realistic fixture -------------------------------------------------------------


def test_order_fixture_parses_into_the_full_model() -> None:
    [process] = parse_bpmn(ORDER_PROCESS.read_bytes(), "order_process.bpmn")
    assert process.bpmn_process_id == "order-fulfilment"
    assert process.name == "Order fulfilment"
    assert process.start_event == "StartEvent_OrderReceived"
    assert process.elements["StartEvent_OrderReceived"] == StartEvent(
        "StartEvent_OrderReceived", "Order received"
    )

    validate = process.elements["Task_ValidateOrder"]
    assert isinstance(validate, ServiceTask)
    assert (validate.job_type, validate.retries) == ("validate-order", 5)
    assert dict(validate.headers) == {"channel": "web-shop", "sla": "PT5M"}
    assert [(m.source.source, m.target) for m in validate.inputs] == [
        ("order.id", "orderId"),
        ("order.total", "amount"),
        ('"EUR"', "currency"),
    ]
    variables = {"order": {"id": "o-7", "total": 99.5}}
    assert [m.source.evaluate(variables) for m in validate.inputs] == ["o-7", 99.5, "EUR"]
    assert [m.target_path for m in validate.outputs] == [
        ("orderValid",),
        ("validation", "reason"),
    ]

    gateway = process.elements["Gateway_OrderValid"]
    assert gateway == ExclusiveGateway("Gateway_OrderValid", "Order valid?", "Flow_Accepted")
    assert process.outgoing["Gateway_OrderValid"] == (
        "Flow_Invalid",
        "Flow_NeedsApproval",
        "Flow_Accepted",
    )
    invalid = process.flows["Flow_Invalid"].condition
    big = process.flows["Flow_NeedsApproval"].condition
    assert invalid is not None
    assert big is not None
    assert process.flows["Flow_Accepted"].condition is None
    assert invalid.evaluate({"orderValid": False}) is True
    order = {"customer": {"tier": "silver"}}
    assert big.evaluate({"amount": 1500, "order": order}) is True
    assert big.evaluate({"amount": 1500, "order": {"customer": {"tier": "gold"}}}) is False

    assert process.elements["Gateway_Fork"] == ParallelGateway("Gateway_Fork", "")
    assert process.outgoing["Gateway_Fork"] == ("Flow_ToCharge", "Flow_ToReserve")
    assert process.incoming["Gateway_Join"] == ("Flow_ChargeDone", "Flow_ReserveDone")
    charge = process.elements["Task_ChargeCard"]
    assert isinstance(charge, ServiceTask)
    assert (charge.job_type, charge.retries, dict(charge.headers)) == (
        "charge-card",
        3,
        {"provider": "acme-pay"},
    )

    assert process.boundary_events == {
        "Task_ValidateOrder": (),
        "Task_ChargeCard": ("Boundary_CardDeclined",),
        "Task_ReserveStock": (),
    }
    assert process.elements["Boundary_CardDeclined"] == ErrorBoundaryEvent(
        "Boundary_CardDeclined", "Card declined", "Task_ChargeCard", "CARD_DECLINED"
    )
    assert process.outgoing["Boundary_CardDeclined"] == ("Flow_ToPaymentFailed",)
    assert process.flows["Flow_ToPaymentFailed"].target == "EndEvent_PaymentFailed"
    assert process.elements["EndEvent_Fulfilled"] == EndEvent(
        "EndEvent_Fulfilled", "Order fulfilled", None
    )
    # Text annotations, associations and diagram shapes are not part of the model.
    assert "TextAnnotation_Retries" not in process.elements
    assert "Association_Retries" not in process.flows
    assert set(process.outgoing) == set(process.elements) == set(process.incoming)


def test_model_is_read_only() -> None:
    [process] = parse_bpmn(ORDER_PROCESS.read_bytes(), "order_process.bpmn")
    with pytest.raises(dataclasses.FrozenInstanceError):
        process.start_event = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        process.elements["x"] = StartEvent("x", "")  # type: ignore[index]
    task = process.elements["Task_ValidateOrder"]
    assert isinstance(task, ServiceTask)
    with pytest.raises(TypeError):
        task.headers["x"] = "y"  # type: ignore[index]


# --- each element ----------------------------------------------------------------------


def test_minimal_process_and_defaults() -> None:
    process = parse_one(LINEAR)
    assert process.elements == {
        "start": StartEvent("start", ""),
        "task": ServiceTask("task", "", "work", 3, {}, (), ()),
        "end": EndEvent("end", "", None),
    }
    assert process.outgoing == {"start": ("f1",), "task": ("f2",), "end": ()}
    assert process.incoming == {"start": (), "task": ("f1",), "end": ("f2",)}
    assert process.boundary_events == {"task": ()}


def test_error_end_event_takes_the_code_of_its_error() -> None:
    body = START + '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="E"/>'
    body += "</bpmn:endEvent>" + flow("f", "start", "fail")
    process = parse_one(body, definitions='<bpmn:error id="E" name="x" errorCode="OUT_OF_STOCK"/>')
    assert process.elements["fail"] == EndEvent("fail", "", "OUT_OF_STOCK")


def test_error_boundary_event_without_error_ref_catches_everything() -> None:
    body = LINEAR + (
        '<bpmn:boundaryEvent id="catch" attachedToRef="task" cancelActivity="true">'
        "<bpmn:errorEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:endEvent id="failed"/>' + flow("f3", "catch", "failed")
    )
    process = parse_one(body)
    assert process.elements["catch"] == ErrorBoundaryEvent("catch", "", "task", None)
    assert process.boundary_events["task"] == ("catch",)


def test_boundary_events_with_distinct_codes_on_one_task() -> None:
    boundaries = "".join(
        f'<bpmn:boundaryEvent id="b{n}" attachedToRef="task">'
        f'<bpmn:errorEventDefinition errorRef="E{n}"/></bpmn:boundaryEvent>'
        f'<bpmn:endEvent id="e{n}"/>' + flow(f"fb{n}", f"b{n}", f"e{n}")
        for n in (1, 2)
    )
    errors = '<bpmn:error id="E1" errorCode="A"/><bpmn:error id="E2" errorCode="B"/>'
    process = parse_one(LINEAR + boundaries, definitions=errors)
    assert process.boundary_events["task"] == ("b1", "b2")


def test_service_task_mappings_accept_expressions_static_values_and_empty_sources() -> None:
    task = (
        '<bpmn:serviceTask id="task" name="Ship"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type=" ship " retries="0"/>'
        '<zeebe:taskHeaders><zeebe:header key="a" value="1"/><zeebe:header key="b"/>'
        "</zeebe:taskHeaders>"
        '<zeebe:ioMapping><zeebe:input source="= a + 1" target="x"/>'
        '<zeebe:input source="say &quot;hi&quot;\\" target="greeting"/>'
        '<zeebe:input target="nothing"/>'
        '<zeebe:output source="=result.id" target="shipment.id"/></zeebe:ioMapping>'
        '<zeebe:unknownExtension foo="bar"/>'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )
    process = parse_one(START + task + flow("f", "start", "task"))
    parsed = process.elements["task"]
    assert isinstance(parsed, ServiceTask)
    assert (parsed.name, parsed.job_type, parsed.retries) == ("Ship", "ship", 0)
    assert dict(parsed.headers) == {"a": "1", "b": ""}
    assert [m.source.evaluate({"a": 1}) for m in parsed.inputs] == [2, 'say "hi"\\', None]
    assert parsed.outputs == (IoMapping(parsed.outputs[0].source, "shipment.id"),)
    assert parsed.outputs[0].source.evaluate({"result": {"id": 4}}) == 4


def test_conditions_with_and_without_the_equals_prefix() -> None:
    body = (
        START
        + '<bpmn:exclusiveGateway id="gw" default="f_default"/>'
        + '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/><bpmn:endEvent id="c"/>'
        + flow("f0", "start", "gw")
        + flow("f_big", "gw", "a", "= amount &gt;= 100")
        + flow("f_vip", "gw", "b", 'tier = "vip"')
        + flow("f_default", "gw", "c")
    )
    process = parse_one(body)
    big = process.flows["f_big"].condition
    vip = process.flows["f_vip"].condition
    assert big is not None
    assert vip is not None
    assert big.source == "amount >= 100"
    assert big.evaluate({"amount": 100}) is True
    assert vip.evaluate({"tier": "vip"}) is True


def test_gateway_with_a_single_unconditional_flow_needs_no_default() -> None:
    body = START + '<bpmn:exclusiveGateway id="gw"/>' + END
    process = parse_one(body + flow("f0", "start", "gw") + flow("f1", "gw", "end"))
    assert process.elements["gw"] == ExclusiveGateway("gw", "", None)


def test_ignores_documentation_lanes_annotations_diagram_and_foreign_elements() -> None:
    body = (
        "<bpmn:documentation>docs</bpmn:documentation>"
        '<bpmn:extensionElements><zeebe:versionTag value="v1"/></bpmn:extensionElements>'
        '<bpmn:laneSet id="ls"><bpmn:lane id="lane"><bpmn:flowNodeRef>task</bpmn:flowNodeRef>'
        "</bpmn:lane></bpmn:laneSet>"
        '<bpmn:textAnnotation id="note"><bpmn:text>hi</bpmn:text></bpmn:textAnnotation>'
        '<bpmn:association id="assoc" sourceRef="task" targetRef="note"/>'
        '<vendor:thing xmlns:vendor="urn:vendor" id="v"/>'
        "<!-- a comment --><?some-pi data?>" + LINEAR
    )
    diagram = (
        '<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="proc">'
        '<bpmndi:BPMNShape id="s" bpmnElement="task"><dc:Bounds x="1" y="2" width="3" height="4"/>'
        "</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"
    )
    process = parse_one(body, definitions=diagram)
    assert set(process.elements) == {"start", "task", "end"}


def test_skips_processes_that_are_not_executable() -> None:
    other = LINEAR
    for name in ("start", "task", "end", "f1", "f2"):
        other = other.replace(f'"{name}"', f'"x_{name}"')
    data = document(LINEAR).replace(
        b"</bpmn:definitions>",
        f'<bpmn:process id="draft" isExecutable="false">{other}</bpmn:process>'
        f'<bpmn:process id="second" isExecutable="true">{other}</bpmn:process>'
        f'<bpmn:process id="unmarked">{other}</bpmn:process></bpmn:definitions>'.encode(),
    )
    processes = parse_bpmn(data, "many.bpmn")
    assert [p.bpmn_process_id for p in processes] == ["proc", "second"]
    assert processes[1].start_event == "x_start"


def test_accepts_a_byte_order_mark_and_an_ascii_declaration() -> None:
    data = b"\xef\xbb\xbf" + document(LINEAR).replace(b"UTF-8", b"US-ASCII")
    assert parse_bpmn(data, "bom.bpmn")[0].bpmn_process_id == "proc"


def test_accepts_a_default_namespace_and_other_prefixes() -> None:
    data = (
        b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        b'xmlns:z="http://camunda.org/schema/zeebe/1.0" id="d">'
        b'<process id="p" isExecutable="true"><startEvent id="s"/>'
        b'<serviceTask id="t"><extensionElements><z:taskDefinition type="w"/></extensionElements>'
        b'</serviceTask><sequenceFlow id="f" sourceRef="s" targetRef="t"/></process></definitions>'
    )
    [process] = parse_bpmn(data, "plain.bpmn")
    task = process.elements["t"]
    assert isinstance(task, ServiceTask)
    assert task.job_type == "w"


# --- checksum --------------------------------------------------------------------------


def test_checksum_ignores_layout_but_not_behaviour() -> None:
    original = ORDER_PROCESS.read_bytes()
    [process] = parse_bpmn(original, "order_process.bpmn")
    [again] = parse_bpmn(original, "renamed.bpmn")
    assert process.checksum == again.checksum
    assert len(process.checksum) == 64

    moved = original.replace(b'x="240" y="180"', b'x="260" y="200"')
    assert moved != original
    assert parse_bpmn(moved, "order_process.bpmn")[0].checksum == process.checksum

    for old, new in [
        (b'type="charge-card"', b'type="charge-card-v2"'),
        (b"amount &gt; 1000", b"amount &gt; 2000"),
        (b'retries="5"', b'retries="6"'),
        (b'value="web-shop"', b'value="app"'),
        (b'errorCode="CARD_DECLINED"', b'errorCode="DECLINED"'),
        (b'name="Charge card"', b'name="Charge the card"'),
    ]:
        changed = original.replace(old, new)
        assert changed != original
        assert parse_bpmn(changed, "order_process.bpmn")[0].checksum != process.checksum, old


# --- hostile and malformed input -------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&lol9;" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>
</bpmn:definitions>
"""


def test_billion_laughs_is_refused_without_expansion() -> None:
    message = rejection(BILLION_LAUGHS)
    assert "DOCTYPE declaration" in message
    assert "never expanded" in message
    assert "lollol" not in message


def test_external_entity_is_refused_without_reading_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        f'<bpmn:definitions {NAMESPACES} id="d"><bpmn:process id="p" name="&xxe;" '
        'isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>'
    ).encode()
    message = rejection(data)
    assert "DOCTYPE declaration" in message
    assert "TOP-SECRET" not in message


def test_entity_declaration_without_doctype_keyword_is_refused() -> None:
    message = rejection(b'<!eNtItY x "y">' + document(LINEAR))
    assert "ENTITY declaration" in message


def test_doctype_in_lower_case_is_refused() -> None:
    assert "DOCTYPE" in rejection(b"<!doctype html>" + document(LINEAR))


def test_doctype_hidden_in_utf16_is_refused_as_not_utf8() -> None:
    data = BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    assert "not UTF-8" in rejection(data)


def test_declared_encoding_other_than_utf8_is_refused() -> None:
    data = document(LINEAR).replace(b"UTF-8", b"cp037")
    assert "encoding other than UTF-8" in rejection(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "document is empty"),
        (b"  \n\t ", "document is empty"),
        (b"\x00\xff\xfe garbage \x80", "not UTF-8"),
        (b"caf\xe9", "not UTF-8 (invalid byte at offset 3)"),
        (b"just some text", "not well-formed XML"),
        (b"<unclosed>", "not well-formed XML"),
        (b"<a></b>", "not well-formed XML"),
        (b"<a/>", "root element is 'a'"),
        (b'<definitions xmlns="urn:other"/>', "expected 'bpmn:definitions'"),
        (
            b'<bpmn:process xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
            "root element is 'bpmn:process'",
        ),
        (
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
            "no bpmn:process element",
        ),
    ],
)
def test_rejects_documents_that_are_not_bpmn(data: bytes, problem: str) -> None:
    assert problem in rejection(data)


def test_rejects_input_that_is_not_bytes() -> None:
    with pytest.raises(BpmnParseError, match="expected the document as bytes, not str"):
        parse_bpmn("<a/>", "x.bpmn")  # type: ignore[arg-type]


def test_rejects_when_no_process_is_executable() -> None:
    message = rejection(document(LINEAR, process_attrs='id="p" isExecutable="false"'))
    assert 'isExecutable="true"' in message


def test_rejects_documents_over_the_size_limit() -> None:
    padding = b"<!-- " + b"x" * MAX_DOCUMENT_BYTES + b" -->"
    message = rejection(document(LINEAR) + padding)
    assert f"larger than {MAX_DOCUMENT_BYTES} bytes" in message


def test_rejects_absurd_element_counts() -> None:
    shapes = "<bpmn:documentation/>" * 100_001
    assert "more than 100000 XML elements" in rejection(document(LINEAR + shapes))


def test_rejects_absurd_nesting() -> None:
    nested = "<x:a xmlns:x='urn:x'>" * 100 + "</x:a>" * 100
    assert "nested deeper than 64" in rejection(document(LINEAR + nested))


@pytest.mark.parametrize(
    ("xml", "tag", "element_id"),
    [
        ('<bpmn:userTask id="Review"/>', "bpmn:userTask", "Review"),
        ('<bpmn:scriptTask id="Script"/>', "bpmn:scriptTask", "Script"),
        ('<bpmn:sendTask id="Send"/>', "bpmn:sendTask", "Send"),
        ('<bpmn:task id="Plain"/>', "bpmn:task", "Plain"),
        ('<bpmn:subProcess id="Sub"/>', "bpmn:subProcess", "Sub"),
        ('<bpmn:callActivity id="Call"/>', "bpmn:callActivity", "Call"),
        ('<bpmn:eventBasedGateway id="Ebg"/>', "bpmn:eventBasedGateway", "Ebg"),
        ('<bpmn:inclusiveGateway id="Incl"/>', "bpmn:inclusiveGateway", "Incl"),
        (
            '<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition/>'
            "</bpmn:intermediateCatchEvent>",
            "bpmn:intermediateCatchEvent",
            "Wait",
        ),
        ('<bpmn:intermediateThrowEvent id="Mid"/>', "bpmn:intermediateThrowEvent", "Mid"),
        (
            '<bpmn:startEvent id="Timer"><bpmn:timerEventDefinition/></bpmn:startEvent>',
            "bpmn:startEvent",
            "Timer",
        ),
        (
            '<bpmn:startEvent id="Msg"><bpmn:messageEventDefinition/></bpmn:startEvent>',
            "bpmn:startEvent",
            "Msg",
        ),
        (
            '<bpmn:endEvent id="Term"><bpmn:terminateEventDefinition/></bpmn:endEvent>',
            "bpmn:endEvent",
            "Term",
        ),
        (
            '<bpmn:boundaryEvent id="Timeout" attachedToRef="task">'
            "<bpmn:timerEventDefinition/></bpmn:boundaryEvent>",
            "bpmn:boundaryEvent",
            "Timeout",
        ),
        (
            '<bpmn:boundaryEvent id="OnMsg" attachedToRef="task">'
            "<bpmn:messageEventDefinition/></bpmn:boundaryEvent>",
            "bpmn:boundaryEvent",
            "OnMsg",
        ),
        (
            '<bpmn:boundaryEvent id="Plain" attachedToRef="task"/>',
            "bpmn:boundaryEvent",
            "Plain",
        ),
        (
            '<bpmn:serviceTask id="Multi"><bpmn:extensionElements><zeebe:taskDefinition '
            'type="w"/></bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics/>'
            "</bpmn:serviceTask>",
            "bpmn:serviceTask",
            "Multi",
        ),
    ],
)
def test_rejects_unsupported_elements_naming_tag_and_id(
    xml: str, tag: str, element_id: str
) -> None:
    message = rejection(document(LINEAR + xml))
    assert f"unsupported element '{tag}' (id '{element_id}')" in message
    assert "(process 'proc')" in message


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (TASK + END + flow("f", "task", "end"), "no none start event"),
        (LINEAR + '<bpmn:startEvent id="start2"/>', "more than one none start event"),
        (START + TASK + flow("f", "start", "nowhere"), "points at missing element 'nowhere'"),
        (START + TASK + flow("f", "ghost", "task"), "points at missing element 'ghost'"),
        (START + TASK + '<bpmn:sequenceFlow id="f" sourceRef="start"/>', "has no targetRef"),
        (LINEAR + TASK.replace('id="task"', 'id="start"'), "more than one element with id"),
        (LINEAR + '<bpmn:endEvent name="anonymous"/>', "element without an id"),
        (
            START + '<bpmn:serviceTask id="Bare"/>' + flow("f", "start", "Bare"),
            "service task 'Bare' has no zeebe:taskDefinition",
        ),
        (LINEAR.replace('type="work"', 'type="  "'), "zeebe:taskDefinition without a type"),
        (
            LINEAR.replace('type="work"', 'type="=jobType"'),
            "job type expression '=jobType'; only static job types are supported",
        ),
        (
            LINEAR.replace('type="work"', 'type="work" retries="=3"'),
            "retries '=3'; only a static whole number",
        ),
        (LINEAR.replace('type="work"', 'type="work" retries="-1"'), "retries '-1'"),
        (
            LINEAR.replace(
                "</bpmn:extensionElements>",
                '<zeebe:taskHeaders><zeebe:header value="v"/></zeebe:taskHeaders>'
                "</bpmn:extensionElements>",
            ),
            "zeebe:header without a key",
        ),
        (
            LINEAR.replace(
                "</bpmn:extensionElements>",
                '<zeebe:taskHeaders><zeebe:header key="k"/><zeebe:header key="k"/>'
                "</zeebe:taskHeaders></bpmn:extensionElements>",
            ),
            "more than one zeebe:header with key 'k'",
        ),
        (
            LINEAR.replace(
                "</bpmn:extensionElements>",
                '<zeebe:ioMapping><zeebe:input source="=a" target="bad name"/></zeebe:ioMapping>'
                "</bpmn:extensionElements>",
            ),
            "zeebe:input with target 'bad name'",
        ),
        (
            LINEAR.replace(
                "</bpmn:extensionElements>",
                '<zeebe:ioMapping><zeebe:output source="=a +" target="x"/></zeebe:ioMapping>'
                "</bpmn:extensionElements>",
            ),
            "zeebe:output for 'x' that cannot compile FEEL expression 'a +'",
        ),
        (
            START
            + '<bpmn:exclusiveGateway id="gw" default="f_missing"/>'
            + END
            + flow("f0", "start", "gw")
            + flow("f1", "gw", "end", "=x &gt; 1"),
            "default flow 'f_missing', which is not one of its outgoing sequence flows",
        ),
        (
            START
            + '<bpmn:exclusiveGateway id="gw" default="f0"/>'
            + END
            + flow("f0", "start", "gw")
            + flow("f1", "gw", "end"),
            "default flow 'f0', which is not one of its outgoing",
        ),
        (
            START
            + '<bpmn:exclusiveGateway id="gw" default="f2"/>'
            + END
            + '<bpmn:endEvent id="end2"/>'
            + flow("f0", "start", "gw")
            + flow("f1", "gw", "end", "=x &gt;")
            + flow("f2", "gw", "end2"),
            "sequence flow 'f1' has a condition that cannot compile FEEL expression 'x >'",
        ),
        (
            START
            + '<bpmn:exclusiveGateway id="gw" default="f2"/>'
            + END
            + '<bpmn:endEvent id="end2"/>'
            + flow("f0", "start", "gw")
            + flow("f1", "gw", "end", "=")
            + flow("f2", "gw", "end2"),
            "it is empty",
        ),
        (
            START
            + '<bpmn:exclusiveGateway id="gw"/>'
            + END
            + '<bpmn:endEvent id="end2"/>'
            + flow("f0", "start", "gw")
            + flow("f1", "gw", "end", "=x")
            + flow("f2", "gw", "end2"),
            "'f2' leaves exclusive gateway 'gw' with neither a condition nor being its default",
        ),
        (
            START
            + '<bpmn:exclusiveGateway id="gw" default="f2"/>'
            + END
            + '<bpmn:endEvent id="end2"/>'
            + flow("f0", "start", "gw")
            + flow("f1", "gw", "end", "=x")
            + flow("f2", "gw", "end2", "=y"),
            "default flow 'f2' of exclusive gateway 'gw' has a condition",
        ),
        (
            START + END + flow("f", "start", "end", "=true"),
            "conditions are supported only on flows leaving an exclusive gateway",
        ),
        (LINEAR + flow("f3", "task", "start"), "start event 'start' has an incoming"),
        (LINEAR + '<bpmn:endEvent id="end2"/>' + flow("f3", "end", "end2"), "has an outgoing"),
        (
            LINEAR + '<bpmn:boundaryEvent id="b" attachedToRef="task" cancelActivity="false">'
            "<bpmn:errorEventDefinition/></bpmn:boundaryEvent>" + flow("f3", "b", "end"),
            'cancelActivity="false"; error boundary events always interrupt',
        ),
        (
            LINEAR + '<bpmn:boundaryEvent id="b"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>',
            "boundary event 'b' has no attachedToRef",
        ),
        (
            LINEAR + '<bpmn:boundaryEvent id="b" attachedToRef="end"><bpmn:errorEventDefinition/>'
            "</bpmn:boundaryEvent>" + flow("f3", "b", "end"),
            "attached to 'end', which is not a service task",
        ),
        (
            LINEAR + '<bpmn:boundaryEvent id="b" attachedToRef="ghost"><bpmn:errorEventDefinition/>'
            "</bpmn:boundaryEvent>" + flow("f3", "b", "end"),
            "attached to 'ghost', which is not a service task",
        ),
        (
            LINEAR + '<bpmn:boundaryEvent id="b" attachedToRef="task"><bpmn:errorEventDefinition/>'
            "</bpmn:boundaryEvent>",
            "error boundary event 'b' has no outgoing flow",
        ),
        (
            LINEAR + '<bpmn:boundaryEvent id="b1" attachedToRef="task"><bpmn:errorEventDefinition/>'
            "</bpmn:boundaryEvent>"
            + '<bpmn:boundaryEvent id="b2" attachedToRef="task"><bpmn:errorEventDefinition/>'
            "</bpmn:boundaryEvent>" + flow("f3", "b1", "end") + flow("f4", "b2", "end"),
            "'b1' and 'b2' on 'task' both catch every error",
        ),
        (
            LINEAR + '<bpmn:boundaryEvent id="b" attachedToRef="task">'
            '<bpmn:errorEventDefinition errorRef="Nope"/></bpmn:boundaryEvent>'
            + flow("f3", "b", "end"),
            "references error 'Nope', which is not defined",
        ),
        (
            START
            + '<bpmn:endEvent id="e"><bpmn:errorEventDefinition/></bpmn:endEvent>'
            + flow("f", "start", "e"),
            "error end event 'e' must reference a bpmn:error with an errorCode",
        ),
    ],
)
def test_rejects_inconsistent_processes(body: str, problem: str) -> None:
    message = rejection(document(body))
    assert problem in message


def test_rejects_duplicate_boundary_codes_and_expression_error_codes() -> None:
    boundaries = "".join(
        f'<bpmn:boundaryEvent id="b{n}" attachedToRef="task">'
        f'<bpmn:errorEventDefinition errorRef="E{n}"/></bpmn:boundaryEvent>'
        + flow(f"fb{n}", f"b{n}", "end")
        for n in (1, 2)
    )
    same = '<bpmn:error id="E1" errorCode="X"/><bpmn:error id="E2" errorCode="X"/>'
    message = rejection(document(LINEAR + boundaries, definitions=same))
    assert "both catch 'X'" in message

    expression = '<bpmn:error id="E1" errorCode="=code"/>'
    message = rejection(document(LINEAR, definitions=expression))
    assert "error code '=code' of 'bpmn:error' (id 'E1') is an expression" in message


def test_rejects_two_processes_with_the_same_id() -> None:
    data = document(LINEAR).replace(
        b"</bpmn:definitions>",
        f'<bpmn:process id="proc" isExecutable="true">{LINEAR}</bpmn:process>'
        "</bpmn:definitions>".encode(),
    )
    assert "more than one process with id 'proc'" in rejection(data)


# --- fuzzing ---------------------------------------------------------------------------


@given(data=st.binary(max_size=300))
def test_random_bytes_raise_nothing_but_bpmn_parse_error(data: bytes) -> None:
    try:
        parse_bpmn(data, "random.bpmn")
    except BpmnParseError:
        return
    raise AssertionError("random bytes were accepted as BPMN")  # pragma: no cover


@settings(max_examples=200, deadline=None)
@given(start=st.integers(min_value=0), length=st.integers(min_value=1, max_value=200))
def test_damaged_fixture_raises_nothing_but_bpmn_parse_error(start: int, length: int) -> None:
    original = ORDER_PROCESS.read_bytes()
    cut = start % len(original)
    damaged = original[:cut] + original[cut + length :]
    try:
        processes = parse_bpmn(damaged, "damaged.bpmn")
    except BpmnParseError:
        return
    assert all(isinstance(p, ProcessDefinition) for p in processes)


def test_catching_boundary_prefers_the_exact_code_over_a_catch_all() -> None:
    boundaries = (
        '<bpmn:boundaryEvent id="any" attachedToRef="task"><bpmn:errorEventDefinition/>'
        '</bpmn:boundaryEvent><bpmn:boundaryEvent id="oos" attachedToRef="task">'
        '<bpmn:errorEventDefinition errorRef="E"/></bpmn:boundaryEvent>'
        + flow("f3", "any", "end")
        + flow("f4", "oos", "end")
    )
    errors = '<bpmn:error id="E" errorCode="OUT_OF_STOCK"/>'
    process = parse_one(LINEAR + boundaries, definitions=errors)
    exact = process.catching_boundary("task", "OUT_OF_STOCK")
    fallback = process.catching_boundary("task", "OTHER")
    assert exact is not None
    assert fallback is not None
    assert (exact.id, fallback.id) == ("oos", "any")
    assert process.catching_boundary("start", "OUT_OF_STOCK") is None

    [order] = parse_bpmn(ORDER_PROCESS.read_bytes(), "order_process.bpmn")
    assert order.catching_boundary("Task_ChargeCard", "OTHER") is None
    assert order.catching_boundary("Task_ReserveStock", "CARD_DECLINED") is None


def test_model_objects_are_hashable() -> None:
    [process] = parse_bpmn(ORDER_PROCESS.read_bytes(), "order_process.bpmn")
    [again] = parse_bpmn(ORDER_PROCESS.read_bytes(), "order_process.bpmn")
    assert hash(process) == hash(again)
    assert len({*process.elements.values(), *again.elements.values()}) == len(process.elements)


def test_engine_package_exports_the_model_and_feel_names() -> None:
    import zeebe_router.testing._engine as engine

    names = {
        "BpmnParseError", "Element", "EndEvent", "ErrorBoundaryEvent", "ExclusiveGateway",
        "Expression", "ExpressionCache", "FeelError", "IoMapping", "ParallelGateway",
        "ProcessDefinition", "SequenceFlow", "ServiceTask", "StartEvent",
        "compile_expression", "evaluate", "parse_bpmn",
    }  # fmt: skip
    assert names <= set(engine.__all__)
    assert all(hasattr(engine, name) for name in names)
