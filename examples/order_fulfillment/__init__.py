"""The order-fulfilment demo: three routers, one BPMN, 1,000 instances on an embedded gateway."""
