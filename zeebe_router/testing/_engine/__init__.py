"""The in-memory engine behind the embedded gateway: BPMN model, FEEL subset and execution."""

from zeebe_router.testing._engine.feel import (
    Expression,
    ExpressionCache,
    FeelError,
    compile_expression,
    evaluate,
)

__all__ = [
    "Expression",
    "ExpressionCache",
    "FeelError",
    "compile_expression",
    "evaluate",
]
