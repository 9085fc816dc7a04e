"""Hello world: one task handler in a worker that connects to ZEEBE_ADDRESS (localhost:26500)."""

import asyncio

from zeebe_router import ZeebeWorker

worker = ZeebeWorker()  # the channel comes from the environment when work() starts


@worker.task("say-hello")
async def say_hello(name: str = "world") -> dict[str, str]:
    return {"greeting": f"Hello, {name}!"}


if __name__ == "__main__":
    asyncio.run(worker.work())
