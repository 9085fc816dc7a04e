"""``python -m examples.order_fulfillment``: run the demo."""

from examples.order_fulfillment.main import main

raise SystemExit(main())
