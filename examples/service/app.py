"""Entry point: builds the aiohttp application and runs it."""
import asyncio
import logging

from aiohttp import web

from .client import CarrierClient
from .handlers import routes
from .storage import OrderStore
from .worker import ShipmentWorker

log = logging.getLogger(__name__)


async def on_startup(app: web.Application) -> None:
    app["store"] = OrderStore(app["config"]["data_dir"])
    app["carrier"] = CarrierClient(app["config"]["carrier_url"], app["config"]["carrier_token"])
    app["worker"] = ShipmentWorker(app["store"], app["carrier"])
    app["worker"].start()
    log.info("service started")


async def on_cleanup(app: web.Application) -> None:
    await app["worker"].stop()


def build_app(config: dict) -> web.Application:
    app = web.Application()
    app["config"] = config
    app.add_routes(routes)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


async def main(config: dict) -> None:
    runner = web.AppRunner(build_app(config))
    await runner.setup()
    site = web.TCPSite(runner, config.get("host", "127.0.0.1"), config.get("port", 8080))
    await site.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main({"data_dir": "data", "carrier_url": "https://carrier.example", "carrier_token": "dev"}))
