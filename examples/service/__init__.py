"""A small order-tracking web service, written the way such services often start out.

It runs, but several of its coroutines block the event loop: `aioguard check examples/`
points at them.
"""
