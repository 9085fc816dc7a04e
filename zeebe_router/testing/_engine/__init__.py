"""The in-memory engine behind the embedded gateway: BPMN model, FEEL subset and execution."""

from zeebe_router.testing._engine.bpmn import (
    BpmnParseError,
    Element,
    EndEvent,
    ErrorBoundaryEvent,
    ExclusiveGateway,
    IoMapping,
    ParallelGateway,
    ProcessDefinition,
    SequenceFlow,
    ServiceTask,
    StartEvent,
    parse_bpmn,
)
from zeebe_router.testing._engine.feel import (
    Expression,
    ExpressionCache,
    FeelError,
    compile_expression,
    evaluate,
)

__all__ = [
    "BpmnParseError",
    "Element",
    "EndEvent",
    "ErrorBoundaryEvent",
    "ExclusiveGateway",
    "Expression",
    "ExpressionCache",
    "FeelError",
    "IoMapping",
    "ParallelGateway",
    "ProcessDefinition",
    "SequenceFlow",
    "ServiceTask",
    "StartEvent",
    "compile_expression",
    "evaluate",
    "parse_bpmn",
]
