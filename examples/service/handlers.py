"""HTTP handlers."""
import asyncio
import subprocess

from aiohttp import web

routes = web.RouteTableDef()


async def notify_warehouse(order: dict) -> None:
    await asyncio.sleep(0)  # stands in for a message to the warehouse system


@routes.get("/orders/{order_id}")
async def get_order(request: web.Request) -> web.Response:
    order = await request.app["store"].load(request.match_info["order_id"])
    if order is None:
        raise web.HTTPNotFound()
    return web.json_response(order)


@routes.post("/orders")
async def create_order(request: web.Request) -> web.Response:
    order = await request.json()
    await request.app["store"].save(order)
    # Fire and forget: nothing keeps a reference to the task.
    asyncio.create_task(notify_warehouse(order))
    return web.json_response({"id": order["id"]}, status=201)


@routes.post("/orders/{order_id}/ship")
async def ship_order(request: web.Request) -> web.Response:
    order = await request.app["store"].load(request.match_info["order_id"])
    tracking = await request.app["carrier"].book(order)
    notify_warehouse(order)
    return web.json_response({"tracking": tracking})


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    loop = asyncio.get_event_loop()
    disk = subprocess.check_output(["df", "-h", "/"], text=True)
    return web.json_response({"loop_time": loop.time(), "disk": disk})


@routes.get("/version")
async def version(request: web.Request) -> web.Response:
    # Correct: the subprocess runs without blocking the loop.
    process = await asyncio.create_subprocess_exec("git", "describe", stdout=asyncio.subprocess.PIPE)
    stdout, _ = await process.communicate()
    return web.json_response({"version": stdout.decode().strip()})
